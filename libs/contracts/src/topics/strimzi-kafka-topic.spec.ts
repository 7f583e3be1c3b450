import { toStrimziKafkaTopic } from './strimzi-kafka-topic';
import { allTopics, findTopic, type TopicDefinition, Topics } from './topic-registry';

const OPTIONS = { namespace: 'kafka', clusterName: 'meridian' };

describe('toStrimziKafkaTopic', () => {
  it('renders a delete-policy topic', () => {
    expect(toStrimziKafkaTopic(Topics.ordersCommands, OPTIONS)).toEqual({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: {
        name: 'orders.commands.v1',
        namespace: 'kafka',
        labels: {
          'strimzi.io/cluster': 'meridian',
          'app.kubernetes.io/part-of': 'meridian',
          'meridian.io/topic-kind': 'primary',
        },
      },
      spec: {
        topicName: 'orders.commands.v1',
        partitions: 12,
        replicas: 3,
        config: {
          'cleanup.policy': 'delete',
          'retention.ms': 14 * 24 * 60 * 60 * 1000,
          'min.insync.replicas': 2,
        },
      },
    });
  });

  it('renders a compacted topic and a DLQ', () => {
    expect(toStrimziKafkaTopic(Topics.riskControls, OPTIONS).spec.config).toEqual({
      'cleanup.policy': 'compact',
      'retention.ms': -1,
      'min.insync.replicas': 2,
    });
    const ticksDlq = findTopic('marketdata.ticks.v1.dlq');
    if (ticksDlq === undefined) throw new Error('marketdata.ticks.v1.dlq is not registered');
    const dlq = toStrimziKafkaTopic(ticksDlq, OPTIONS);
    expect(dlq.spec.topicName).toBe('marketdata.ticks.v1.dlq');
    expect(dlq.metadata.labels['meridian.io/topic-kind']).toBe('dead-letter');
  });

  it('renders every topic with a valid Kubernetes name and a positive partition count', () => {
    const manifests = allTopics().map((topic) => toStrimziKafkaTopic(topic, OPTIONS));
    expect(new Set(manifests.map((m) => m.metadata.name)).size).toBe(manifests.length);
    for (const manifest of manifests) {
      expect(manifest.metadata.name).toMatch(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/);
      expect(manifest.spec.partitions).toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    }
  });

  it('refuses a name Kubernetes would reject', () => {
    const bad: TopicDefinition = { ...Topics.trades, name: 'Trades_V1' };
    expect(() => toStrimziKafkaTopic(bad, OPTIONS)).toThrow(/not a valid Kubernetes object name/);
  });
});
