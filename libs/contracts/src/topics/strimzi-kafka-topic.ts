import { type AnyTopicDefinition } from './topic-registry';

export interface StrimziTopicOptions {
  /** Namespace the Strimzi topic operator watches. */
  readonly namespace: string;
  /** Name of the `Kafka` resource; becomes the `strimzi.io/cluster` label. */
  readonly clusterName: string;
}

/** A Strimzi `KafkaTopic` custom resource as a plain object (serialise with any YAML/JSON). */
export interface StrimziKafkaTopic {
  readonly apiVersion: 'kafka.strimzi.io/v1beta2';
  readonly kind: 'KafkaTopic';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly topicName: string;
    readonly partitions: number;
    readonly replicas: number;
    readonly config: Readonly<Record<string, string | number>>;
  };
}

/** Kubernetes object names: a DNS-1123 subdomain. */
const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The Strimzi manifest of one registry topic. `spec.topicName` is always set, so the Kafka
 * name never depends on how Kubernetes names the resource.
 */
export function toStrimziKafkaTopic(
  topic: AnyTopicDefinition,
  options: StrimziTopicOptions,
): StrimziKafkaTopic {
  if (!KUBERNETES_NAME.test(topic.name) || topic.name.length > 253) {
    throw new Error(`topic ${topic.name} is not a valid Kubernetes object name`);
  }
  return {
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaTopic',
    metadata: {
      name: topic.name,
      namespace: options.namespace,
      labels: {
        'strimzi.io/cluster': options.clusterName,
        'app.kubernetes.io/part-of': 'meridian',
        'meridian.io/topic-kind': topic.kind,
      },
    },
    spec: {
      topicName: topic.name,
      partitions: topic.partitions,
      replicas: topic.replicationFactor,
      config: {
        'cleanup.policy': topic.cleanupPolicy,
        'retention.ms': topic.retentionMs,
        'min.insync.replicas': topic.minInsyncReplicas,
      },
    },
  };
}
