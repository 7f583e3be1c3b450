import { BROKER_ENV, CONTROL_ENV } from './jest/broker-handle';

/** The Kafka bootstrap list the jest global setup started; throws (never skips) if absent. */
export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  const value = env[BROKER_ENV];
  if (value === undefined || value === '') {
    throw new Error(
      `${BROKER_ENV} is not set: run the tests through jest with the shared global setup ` +
        `(libs/shared/testing/src/jest/global-setup.ts) or point it at a running broker`,
    );
  }
  return value.split(',');
}

/** host:port of the dev broker's control channel (fault injection). */
export function kafkaControlAddress(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[CONTROL_ENV];
  if (value === undefined || value === '') {
    throw new Error(`${CONTROL_ENV} is not set: the Kafka dev broker was not started by this run`);
  }
  return value;
}
