// Test helpers: a throwaway dev broker per suite, or the shared daemon when one is running.
import {
  connectDevBroker,
  type DevBroker,
  type DevBrokerTopic,
  readDevBrokerState,
  startDevBroker,
  type StartDevBrokerOptions,
} from './dev-broker';

/** Starts a private broker, runs `fn`, always stops the broker. */
export async function withDevBroker<T>(
  opts: StartDevBrokerOptions,
  fn: (broker: DevBroker) => Promise<T>,
): Promise<T> {
  const broker = await startDevBroker(opts);
  try {
    return await fn(broker);
  } finally {
    await broker.stop();
  }
}

/**
 * Reuses the daemon from `cli.ts start` when KAFKA_DEV_BROKER_REUSE=1 and it is running (its missing
 * topics are created; stop() then leaves it running); otherwise starts a private broker.
 * Fault injection on a shared daemon affects every user of it: prefer private brokers for fault tests.
 */
export async function acquireDevBroker(
  topics: DevBrokerTopic[],
  stateDir?: string,
): Promise<DevBroker> {
  if (process.env['KAFKA_DEV_BROKER_REUSE'] === '1' && readDevBrokerState(stateDir)) {
    const shared = connectDevBroker(stateDir);
    for (const t of topics) {
      await shared.createTopic(t).catch((e: unknown) => {
        if (!(e instanceof Error && e.message.includes('TOPIC_ALREADY_EXISTS'))) throw e;
      });
    }
    return { ...shared, stop: () => Promise.resolve() };
  }
  return startDevBroker({ topics, stateDir });
}
