export * from './meridian.error';
export * from './grpc-status';
