/**
 * Test helpers for risk-monitor specs (this lib's and the app's): topics of their own on the dev
 * broker, position updates from plain figures, and exact reads of a topic. Specs only.
 */
import { portfolio, risk } from '@meridian/contracts';
import { devBrokerControl } from '@meridian/kafka-dev-broker';
import { kafkaControlAddress, uniqueName, waitFor } from '@meridian/shared-testing';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { RiskMonitorTopics } from './risk-monitor.topics';

/** 2026-01-02T00:00:00Z in nanoseconds. */
export const TEST_DAY_NANOS = 1_767_312_000_000_000_000n;

/** Fresh portfolio-updates, controls and alerts topics (with the DLQs) for one spec. */
export async function createRiskMonitorTestTopics(prefix: string): Promise<RiskMonitorTopics> {
  const control = devBrokerControl(kafkaControlAddress());
  const base = uniqueName(prefix).replaceAll('_', '-');
  const topics: RiskMonitorTopics = {
    positionUpdates: `${base}.portfolio-updates`,
    riskControls: `${base}.risk-controls`,
    alerts: `${base}.alerts`,
  };
  for (const name of [
    topics.positionUpdates,
    `${topics.positionUpdates}.dlq`,
    topics.riskControls,
    `${topics.riskControls}.dlq`,
    topics.alerts,
  ]) {
    await control.createTopic({ name, partitions: 3, replicationFactor: 3 });
  }
  return topics;
}

export interface UpdateFigures {
  account?: string;
  version: bigint;
  equity?: string;
  highWaterMark?: string;
  drawdown?: string;
  dayPnl?: string;
  grossExposure?: string;
  asOfUnixNanos?: bigint;
}

/** A PositionUpdate (cause FILL) whose account valuation has the given figures. */
export function testPositionUpdate(f: UpdateFigures): portfolio.PositionUpdate {
  const account = f.account ?? 'acct-1';
  const d = (value: string) => ({ value });
  return portfolio.PositionUpdate.fromPartial({
    updateId: `${account}-u${f.version}`,
    version: f.version,
    cause: portfolio.PositionUpdateCause.FILL,
    executionId: `${account}-x${f.version}`,
    position: { accountId: account, symbol: 'ACME', quantity: d('10') },
    account: {
      accountId: account,
      currency: 'USD',
      cashBalance: d('0'),
      equity: d(f.equity ?? '100000.00'),
      realizedPnl: d('0'),
      unrealizedPnl: d('0'),
      grossExposure: d(f.grossExposure ?? '0'),
      netExposure: d('0'),
      version: f.version,
      asOfUnixNanos: f.asOfUnixNanos ?? TEST_DAY_NANOS + 3_600_000_000_000n + f.version,
      fees: d('0'),
      highWaterMark: d(f.highWaterMark ?? '100000.00'),
      drawdown: d(f.drawdown ?? '0.00'),
      dayPnl: d(f.dayPnl ?? '0.00'),
    },
  });
}

/** A control as AdminService publishes it (actor admin:<id>). */
export function adminControl(
  accountId: string,
  state: risk.TradingState,
  controlId = uniqueName('admin-control'),
): risk.RiskControl {
  return {
    controlId,
    scope: risk.ControlScope.ACCOUNT,
    targetId: accountId,
    state,
    reason: 'reviewed with the desk; limits re-armed',
    actor: 'admin:ops-1',
    effectiveAtUnixNanos: BigInt(Date.now()) * 1_000_000n,
  };
}

/** Every record of `topic` up to its current end (exact: reads to the high-water marks). */
export async function readTopic(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  const messages: KafkaMessage[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({
    groupId: uniqueName('risk-read'),
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const high = ends.get(partition) ?? 0n;
        if (BigInt(message.offset) < high) messages.push(message);
        if (BigInt(message.offset) >= high - 1n) remaining.delete(partition);
        return Promise.resolve();
      },
    });
    await waitFor(`the end of ${topic}`, () => remaining.size === 0, 60_000, 50);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Waits until `groupId` has committed every record of `topic` (everything was handled). */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `group ${groupId} to commit the end of ${topic}`,
      async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return ends.every((end) => {
          const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset;
          return end.high === '0' || (c !== undefined && BigInt(c) >= BigInt(end.high));
        });
      },
      timeoutMs,
      100,
    );
  } finally {
    await admin.disconnect();
  }
}

export function decodeControls(messages: readonly KafkaMessage[]): risk.RiskControl[] {
  return messages.map((m) => risk.RiskControl.decode(m.value ?? Buffer.alloc(0)));
}

export function decodeAlerts(messages: readonly KafkaMessage[]): risk.Alert[] {
  return messages.map((m) => risk.Alert.decode(m.value ?? Buffer.alloc(0)));
}
