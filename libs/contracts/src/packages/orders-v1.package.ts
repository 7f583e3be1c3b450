// meridian.orders.v1 spans two .proto files (messages and the gRPC service); callers see one
// namespace. The generated files keep their helper symbols private, so nothing clashes.
export * from '../generated/meridian/orders/v1/orders';
export * from '../generated/meridian/orders/v1/order_service';
