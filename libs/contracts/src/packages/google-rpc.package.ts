// google.rpc (vendored subset): the rich error model. A server sends `Status` (with `ErrorInfo`
// packed in `Any`) in the `grpc-status-details-bin` trailer; clients decode it from there.
export * from '../generated/google/rpc/status';
export * from '../generated/google/rpc/error_details';
export { Any } from '../generated/google/protobuf/any';
