import { MarketRegime } from '../generated/meridian/analytics/v1/analytics';
import { Bar, LastPrice, Tick } from '../generated/meridian/marketdata/v1/marketdata';
import { OrderCommand, OrderEvent, Trade } from '../generated/meridian/orders/v1/orders';
import { PositionUpdate } from '../generated/meridian/portfolio/v1/portfolio';
import { Alert, ControlScope, RiskControl } from '../generated/meridian/risk/v1/risk';
import { type MessageCodec, type MessageOf } from '../wire/message-codec';

/** What a topic's record key is; records with the same key keep their order. */
export type TopicKeyKind =
  /** The instrument symbol: per-symbol ordering (commands, events, ticks). */
  | 'symbol'
  /** The account id: per-account ordering (positions). */
  | 'account'
  /** `<scope>:<target id>` of a risk control, see `riskControlKey`. */
  | 'control-target'
  /** No key: records are spread over partitions and carry no ordering. */
  | 'none';

export type CleanupPolicy = 'delete' | 'compact';

/** The protobuf message a topic carries: its generated codec and fully-qualified name. */
export interface TopicSchema<C extends MessageCodec<unknown> = MessageCodec<unknown>> {
  /** e.g. `meridian.orders.v1.OrderCommand`; goes into the record's content-type header. */
  readonly typeName: string;
  /** The ts-proto message object (`encode`, `decode`, `fromPartial`, ...). */
  readonly codec: C;
}

/** Kafka settings every topic, primary or dead-letter, has. */
export interface TopicSettings<N extends string = string> {
  readonly name: N;
  readonly description: string;
  readonly key: TopicKeyKind;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Writes with acks=all need this many in-sync replicas; with RF 3 one broker may be down. */
  readonly minInsyncReplicas: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** Kafka `retention.ms`; -1 keeps records forever (compacted topics). */
  readonly retentionMs: number;
}

/** A topic that carries one protobuf message type. */
export interface TopicDefinition<
  N extends string = string,
  C extends MessageCodec<unknown> = MessageCodec<unknown>,
> extends TopicSettings<N> {
  readonly kind: 'primary';
  readonly schema: TopicSchema<C>;
  /**
   * The record key of a message, or undefined when the message lacks it (an empty symbol):
   * such a message is invalid and must not be published. Always undefined for key 'none'.
   */
  keyOf(message: MessageOf<C>): string | undefined;
}

/**
 * Where a consumer parks records it cannot process (`<topic>.dlq`). The value is the original
 * record value, byte for byte, with the error in headers; it may not decode, so a DLQ has no
 * schema of its own. The key is kept, so a replay keeps per-key order.
 */
export interface DeadLetterTopicDefinition<N extends string = string> extends TopicSettings<N> {
  readonly kind: 'dead-letter';
  /** The topic whose poison records land here. */
  readonly sourceTopic: string;
}

export type AnyTopicDefinition = TopicDefinition | DeadLetterTopicDefinition;

const DAY_MS = 24 * 60 * 60 * 1000;
const FOREVER = -1;
const DLQ_SUFFIX = '.dlq';

/** Platform-wide defaults: survive one broker loss without losing acknowledged writes. */
const DURABILITY = { replicationFactor: 3, minInsyncReplicas: 2 } as const;

function nonEmpty(value: string): string | undefined {
  return value === '' ? undefined : value;
}

const CONTROL_SCOPE_KEYS: Readonly<Partial<Record<ControlScope, string>>> = {
  [ControlScope.AGENT]: 'agent',
  [ControlScope.ACCOUNT]: 'account',
  [ControlScope.GLOBAL]: 'global',
};

/**
 * The compaction key of a risk control: `agent:<id>`, `account:<id>` or `global`, so the
 * compacted topic keeps the latest state of each target. Undefined for an unknown or
 * unspecified scope, or a missing target id.
 */
export function riskControlKey(
  control: Pick<RiskControl, 'scope' | 'targetId'>,
): string | undefined {
  const scope = CONTROL_SCOPE_KEYS[control.scope];
  if (scope === undefined) return undefined;
  if (control.scope === ControlScope.GLOBAL) return control.targetId === '' ? scope : undefined;
  return control.targetId === '' ? undefined : `${scope}:${control.targetId}`;
}

function defineTopic<const N extends string, C extends MessageCodec<unknown>>(
  definition: Omit<TopicDefinition<N, C>, 'kind' | 'replicationFactor' | 'minInsyncReplicas'>,
): TopicDefinition<N, C> {
  return Object.freeze({
    kind: 'primary',
    ...DURABILITY,
    ...definition,
    schema: Object.freeze({ ...definition.schema }),
  });
}

/**
 * Every platform topic. Names follow `<domain>.<entity>.v<n>` (`trades.v1` and `alerts.v1`
 * are platform-wide streams without an entity segment).
 *
 * Topic names are FROZEN once shipped: consumers, ACLs, offsets and dashboards refer to them.
 * Never rename a topic or change its key, partition count or message type in place; publish a
 * new version (`orders.commands.v2`) next to the old one and migrate. Adding optional proto
 * fields is fine (proto evolution: add fields, never renumber or reuse).
 */
export const Topics = {
  ordersCommands: defineTopic({
    name: 'orders.commands.v1',
    description: 'Order commands from the gateway to the executor (new, cancel, replace).',
    key: 'symbol',
    // Same key and partition count as orders.events.v1 so the executor's partitions line up.
    partitions: 12,
    cleanupPolicy: 'delete',
    // Executor recovery replays commands since its last snapshot; keep well beyond that.
    retentionMs: 14 * DAY_MS,
    schema: { typeName: 'meridian.orders.v1.OrderCommand', codec: OrderCommand },
    keyOf: (command) => nonEmpty(command.symbol),
  }),
  ordersEvents: defineTopic({
    name: 'orders.events.v1',
    description: 'Execution reports from the executor, sequenced per symbol.',
    key: 'symbol',
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 14 * DAY_MS,
    schema: { typeName: 'meridian.orders.v1.OrderEvent', codec: OrderEvent },
    keyOf: (event) => nonEmpty(event.symbol),
  }),
  trades: defineTopic({
    name: 'trades.v1',
    description: 'Trades from the executor.',
    key: 'symbol',
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    schema: { typeName: 'meridian.orders.v1.Trade', codec: Trade },
    keyOf: (trade) => nonEmpty(trade.symbol),
  }),
  marketdataTicks: defineTopic({
    name: 'marketdata.ticks.v1',
    description: 'Ticks from the feed adapters; tick-writer stores them in TimescaleDB.',
    key: 'symbol',
    // Highest-volume topic: more partitions for more tick-writer consumers.
    partitions: 24,
    cleanupPolicy: 'delete',
    // The database is the system of record; Kafka only buffers for catch-up.
    retentionMs: 3 * DAY_MS,
    schema: { typeName: 'meridian.marketdata.v1.Tick', codec: Tick },
    keyOf: (tick) => nonEmpty(tick.symbol),
  }),
  marketdataLastPrice: defineTopic({
    name: 'marketdata.last-price.v1',
    description: 'Latest trade price per symbol (compacted: the topic is a table).',
    key: 'symbol',
    partitions: 12,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    schema: { typeName: 'meridian.marketdata.v1.LastPrice', codec: LastPrice },
    keyOf: (price) => nonEmpty(price.symbol),
  }),
  marketdataBars: defineTopic({
    name: 'marketdata.bars.v1',
    description: 'Closed OHLCV bars (1m, 5m, 1h, 1d).',
    key: 'symbol',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    schema: { typeName: 'meridian.marketdata.v1.Bar', codec: Bar },
    keyOf: (bar) => nonEmpty(bar.symbol),
  }),
  portfolioUpdates: defineTopic({
    name: 'portfolio.updates.v1',
    description:
      'Position changes, versioned per account: per fill batch each changed position once, as of its last fill; after a restart a redelivered fill re-publishes its position under the version it had (ADR 0015).',
    key: 'account',
    partitions: 12,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    schema: { typeName: 'meridian.portfolio.v1.PositionUpdate', codec: PositionUpdate },
    keyOf: (update) => nonEmpty(update.position?.accountId ?? ''),
  }),
  riskControls: defineTopic({
    name: 'risk.controls.v1',
    description: 'Trading state per agent, account and platform (compacted per target).',
    key: 'control-target',
    // Low volume, read in full by every executor and gateway at start.
    partitions: 3,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    schema: { typeName: 'meridian.risk.v1.RiskControl', codec: RiskControl },
    keyOf: (control) => riskControlKey(control),
  }),
  alerts: defineTopic({
    name: 'alerts.v1',
    description: 'Alerts for humans, from risk-monitor and analytics.',
    key: 'none',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    schema: { typeName: 'meridian.risk.v1.Alert', codec: Alert },
    keyOf: () => undefined,
  }),
  analyticsRegimes: defineTopic({
    name: 'analytics.regimes.v1',
    description: 'Current market regime per symbol (compacted).',
    key: 'symbol',
    partitions: 6,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    schema: { typeName: 'meridian.analytics.v1.MarketRegime', codec: MarketRegime },
    keyOf: (regime) => nonEmpty(regime.symbol),
  }),
} as const;

export type TopicId = keyof typeof Topics;
export type PrimaryTopicName = (typeof Topics)[TopicId]['name'];
export type DeadLetterTopicName = `${PrimaryTopicName}${typeof DLQ_SUFFIX}`;
export type TopicName = PrimaryTopicName | DeadLetterTopicName;

/** The dead-letter topic of a topic: `<topic>.dlq`. */
export function dlqTopicOf<const N extends string>(name: N): `${N}.dlq` {
  if (name.endsWith(DLQ_SUFFIX)) {
    throw new Error(`${name} is already a dead-letter topic`);
  }
  return `${name}${DLQ_SUFFIX}`;
}

/**
 * DLQs need no throughput, so few partitions; they keep records longer than any source so
 * that an incident can be investigated and replayed after a long weekend.
 */
function deadLetterOf(topic: TopicDefinition): DeadLetterTopicDefinition {
  return Object.freeze({
    kind: 'dead-letter',
    name: dlqTopicOf(topic.name),
    description: `Records of ${topic.name} that a consumer could not process.`,
    sourceTopic: topic.name,
    key: topic.key,
    partitions: 3,
    replicationFactor: topic.replicationFactor,
    minInsyncReplicas: topic.minInsyncReplicas,
    cleanupPolicy: 'delete',
    retentionMs: Math.max(30 * DAY_MS, topic.retentionMs),
  });
}

const PRIMARY_TOPICS: readonly TopicDefinition[] = Object.freeze(Object.values(Topics));
const ALL_TOPICS: readonly AnyTopicDefinition[] = Object.freeze(
  PRIMARY_TOPICS.flatMap((topic) => [topic, deadLetterOf(topic)]),
);
const TOPICS_BY_NAME: ReadonlyMap<string, AnyTopicDefinition> = new Map(
  ALL_TOPICS.map((topic) => [topic.name, topic]),
);

/** Every primary topic (no DLQs), in registry order. */
export function primaryTopics(): readonly TopicDefinition[] {
  return PRIMARY_TOPICS;
}

/** Every topic the platform needs, each primary followed by its DLQ. */
export function allTopics(): readonly AnyTopicDefinition[] {
  return ALL_TOPICS;
}

/** Looks a topic (primary or DLQ) up by its Kafka name. */
export function findTopic(name: string): AnyTopicDefinition | undefined {
  return TOPICS_BY_NAME.get(name);
}
