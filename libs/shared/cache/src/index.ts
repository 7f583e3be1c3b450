export * from './cache.types';
export * from './cache.error';
export { jsonCodec, zodJsonCodec, type CacheCodec } from './cache.codec';
export { createCache } from './cache-aside';
export { registryCacheMetrics } from './cache.metrics';
