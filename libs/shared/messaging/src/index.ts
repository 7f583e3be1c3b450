export * from './codec';
export * from './headers';
export * from './in-flight-gate';
export * from './kafka-client';
export * from './kafka-consumer';
// One DLQ naming rule for the platform, kept in this lib's API for its callers.
export { dlqTopicOf } from '@meridian/contracts';
export * from './kafka-producer';
export * from './messaging.error';
export * from './offset-tracker';
export * from './retry-policy';
