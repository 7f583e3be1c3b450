import { BROKER_ENV, CONTROL_ENV, runningBroker, setRunningBroker } from './broker-handle';

/** Stops the dev broker if this run started it (a broker given from outside is left alone). */
export default async function globalTeardown(): Promise<void> {
  const broker = runningBroker();
  if (broker === undefined) return;
  setRunningBroker(undefined);
  delete process.env[BROKER_ENV];
  delete process.env[CONTROL_ENV];
  await broker.stop();
}
