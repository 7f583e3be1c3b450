import type { DevBroker } from '@meridian/kafka-dev-broker';

/** Comma-separated bootstrap list of the Kafka broker the tests use. */
export const BROKER_ENV = 'MERIDIAN_KAFKA_BROKERS';
/** host:port of the dev broker's fault-injection control channel. */
export const CONTROL_ENV = 'MERIDIAN_KAFKA_CONTROL';

// Jest loads each project's global setup/teardown as separate modules in one process, so the
// handle lives on globalThis rather than in module state.
const KEY = Symbol.for('meridian.kafka-dev-broker');
type Holder = { [KEY]?: DevBroker };

export function runningBroker(): DevBroker | undefined {
  return (globalThis as Holder)[KEY];
}

export function setRunningBroker(broker: DevBroker | undefined): void {
  (globalThis as Holder)[KEY] = broker;
}
