import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlScope, RiskControl } from '../generated/meridian/risk/v1/risk';
import { Trade } from '../generated/meridian/orders/v1/orders';
import { sampleOrderCommand, sampleOrderEvent, sampleTick } from '../testing';
import { decodeStrict, encodeMessage } from '../wire/message-codec';
import {
  allTopics,
  dlqTopicOf,
  findTopic,
  primaryTopics,
  riskControlKey,
  type TopicDefinition,
  Topics,
} from './topic-registry';

const TOPIC_NAME = /^[a-z]+(\.[a-z-]+)?\.v[0-9]+$/;

/** `package.Message` for every message declared in libs/contracts/proto. */
function declaredMessageTypes(): Set<string> {
  const root = join(__dirname, '..', '..', 'proto');
  const names = new Set<string>();
  for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.proto')) continue;
    const source = readFileSync(join(root, entry), 'utf8');
    const pkg = /^package ([\w.]+);/m.exec(source)?.[1];
    for (const match of source.matchAll(/^message (\w+) \{/gm)) {
      names.add(`${pkg}.${match[1]}`);
    }
  }
  return names;
}

describe('topic registry', () => {
  const primaries = primaryTopics();

  it('has the ten platform topics under their frozen names', () => {
    expect(primaries.map((topic) => topic.name)).toEqual([
      'orders.commands.v1',
      'orders.events.v1',
      'trades.v1',
      'marketdata.ticks.v1',
      'marketdata.last-price.v1',
      'marketdata.bars.v1',
      'portfolio.updates.v1',
      'risk.controls.v1',
      'alerts.v1',
      'analytics.regimes.v1',
    ]);
  });

  it('names every primary topic <domain>[.<entity>].v<n> and every DLQ <topic>.dlq', () => {
    for (const topic of primaries) {
      expect(topic.name).toMatch(TOPIC_NAME);
    }
    const deadLetters = allTopics().filter((topic) => topic.kind === 'dead-letter');
    expect(deadLetters.map((topic) => topic.name)).toEqual(
      primaries.map((topic) => `${topic.name}.dlq`),
    );
    expect(deadLetters.map((topic) => topic.sourceTopic)).toEqual(
      primaries.map((topic) => topic.name),
    );
  });

  it('has unique names, and one DLQ per primary topic', () => {
    const names = allTopics().map((topic) => topic.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(2 * primaries.length);
    for (const topic of primaries) {
      expect(findTopic(dlqTopicOf(topic.name))).toMatchObject({
        kind: 'dead-letter',
        sourceTopic: topic.name,
        key: topic.key,
      });
    }
  });

  it('gives every primary topic a codec whose type name is declared in the .proto files', () => {
    const declared = declaredMessageTypes();
    for (const topic of primaries) {
      expect(declared).toContain(topic.schema.typeName);
      expect(typeof topic.schema.codec.encode).toBe('function');
      expect(typeof topic.schema.codec.decode).toBe('function');
      expect(typeof topic.schema.codec.fromPartial).toBe('function');
    }
  });

  it('keys every compacted topic, and keeps compacted records forever', () => {
    const compacted = allTopics().filter((topic) => topic.cleanupPolicy === 'compact');
    expect(compacted.map((topic) => topic.name)).toEqual([
      'marketdata.last-price.v1',
      'risk.controls.v1',
      'analytics.regimes.v1',
    ]);
    for (const topic of compacted) {
      expect(topic.key).not.toBe('none');
      expect(topic.retentionMs).toBe(-1);
    }
  });

  it('makes every topic durable: RF 3, min.insync.replicas 2, finite retention unless compacted', () => {
    for (const topic of allTopics()) {
      expect(topic.replicationFactor).toBe(3);
      expect(topic.minInsyncReplicas).toBe(2);
      expect(Number.isInteger(topic.partitions) && topic.partitions > 0).toBe(true);
    }
    const deleted = allTopics().filter((topic) => topic.cleanupPolicy === 'delete');
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.filter((topic) => topic.retentionMs <= 0)).toEqual([]);
  });

  it('keeps a DLQ at least as long as its source', () => {
    for (const topic of primaries) {
      const dlq = findTopic(dlqTopicOf(topic.name));
      expect(dlq?.cleanupPolicy).toBe('delete');
      // Compacted sources keep records forever (-1); their DLQs still expire.
      expect(dlq?.retentionMs).toBeGreaterThanOrEqual(topic.retentionMs);
    }
  });

  it('co-partitions commands and events, which the executor reads and writes by symbol', () => {
    expect(Topics.ordersEvents.partitions).toBe(Topics.ordersCommands.partitions);
    expect(Topics.ordersEvents.key).toBe(Topics.ordersCommands.key);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(Topics.ordersCommands)).toBe(true);
    expect(Object.isFrozen(Topics.ordersCommands.schema)).toBe(true);
    expect(Object.isFrozen(allTopics())).toBe(true);
  });

  it('gives typed access to the codec of a topic', () => {
    const { codec, typeName } = Topics.ordersCommands.schema;
    const bytes = encodeMessage(codec, sampleOrderCommand());
    const decoded = decodeStrict(codec, typeName, bytes);
    expect(decoded.clientOrderId).toBe('client-0001');
    expect(Topics.ordersCommands.keyOf(decoded)).toBe('ACME');
  });

  it('derives record keys from messages and refuses messages without one', () => {
    expect(Topics.ordersEvents.keyOf(sampleOrderEvent())).toBe('ACME');
    expect(Topics.marketdataTicks.keyOf(sampleTick({ symbol: '' }))).toBeUndefined();
    expect(Topics.trades.keyOf(Trade.fromPartial({ symbol: 'XYZ' }))).toBe('XYZ');
    expect(
      Topics.portfolioUpdates.keyOf({
        updateId: 'u',
        version: 1n,
        cause: 1,
        executionId: '',
        position: { accountId: 'acc-9', symbol: 'ACME', updatedAtUnixNanos: 0n },
      }),
    ).toBe('acc-9');
    expect(
      Topics.portfolioUpdates.keyOf({ updateId: 'u', version: 1n, cause: 1, executionId: '' }),
    ).toBeUndefined();
    expect(Topics.alerts.keyOf({} as never)).toBeUndefined();
  });

  it('finds topics by name and nothing else', () => {
    expect(findTopic('orders.commands.v1')).toBe(Topics.ordersCommands);
    expect(findTopic('orders.commands.v2')).toBeUndefined();
    expect(findTopic('')).toBeUndefined();
  });
});

describe('dlqTopicOf', () => {
  it('appends .dlq', () => {
    const name: 'trades.v1.dlq' = dlqTopicOf(Topics.trades.name);
    expect(name).toBe('trades.v1.dlq');
  });

  it('refuses to dead-letter a dead-letter topic', () => {
    expect(() => dlqTopicOf('trades.v1.dlq')).toThrow(/already a dead-letter topic/);
  });
});

describe('riskControlKey', () => {
  function control(scope: ControlScope | number, targetId: string): RiskControl {
    return RiskControl.fromPartial({ scope, targetId });
  }

  it('keys agent and account controls by scope and target, the global one alone', () => {
    expect(riskControlKey(control(ControlScope.AGENT, 'agent-7'))).toBe('agent:agent-7');
    expect(riskControlKey(control(ControlScope.ACCOUNT, 'acc-1'))).toBe('account:acc-1');
    expect(riskControlKey(control(ControlScope.GLOBAL, ''))).toBe('global');
    // Different scopes never share a compaction key, even with the same id.
    expect(riskControlKey(control(ControlScope.AGENT, 'x'))).not.toBe(
      riskControlKey(control(ControlScope.ACCOUNT, 'x')),
    );
  });

  it('has no key for an unspecified or unknown scope, or a target that does not fit', () => {
    expect(riskControlKey(control(ControlScope.UNSPECIFIED, 'agent-7'))).toBeUndefined();
    expect(riskControlKey(control(9, 'agent-7'))).toBeUndefined();
    expect(riskControlKey(control(ControlScope.AGENT, ''))).toBeUndefined();
    expect(riskControlKey(control(ControlScope.GLOBAL, 'acc-1'))).toBeUndefined();
  });

  it('is what the risk.controls.v1 topic keys by', () => {
    const topic: TopicDefinition<'risk.controls.v1', typeof RiskControl> = Topics.riskControls;
    expect(topic.keyOf(control(ControlScope.AGENT, 'agent-7'))).toBe('agent:agent-7');
  });
});
