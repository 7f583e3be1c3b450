/**
 * @meridian/market-data-feature-query: MarketDataService over gRPC (GetBars, GetLastPrice,
 * StreamTicks) with per-API Redis cache-aside, the in-memory last-price table of the compacted
 * topic, the live tick hub, and MarketDataClient for other services.
 */
export * from './bar-interval.proto';
export * from './get-bars.usecase';
export * from './get-last-price.usecase';
export * from './grpc-error.mapper';
export * from './last-price.table';
export * from './market-data-api.error';
export * from './market-data.client';
export * from './market-data.grpc-server';
export * from './protobuf-cache.codec';
export * from './stream-ticks.usecase';
export * from './symbol.directory';
export * from './tick-stream.hub';
