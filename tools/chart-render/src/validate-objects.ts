/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models) and the
 * CRD schemas of prometheus-operator and Strimzi (@kubernetes-models/*). The packages are ESM
 * only, hence the dynamic imports.
 */
import { type RenderedObject } from './render-chart';

type Validate = (data: unknown) => void;

function validator<T>(Model: new (data: T) => { validate(): void }): Validate {
  // The schema check is the point: the data is untyped until validate() accepts it.
  return (data) => new Model(data as T).validate();
}

/** apiVersion/kind → schema, for every kind the chart may render. */
const VALIDATORS: Readonly<Record<string, () => Promise<Validate>>> = {
  'v1/ConfigMap': async () => validator((await import('kubernetes-models/v1/ConfigMap')).ConfigMap),
  'v1/Pod': async () => validator((await import('kubernetes-models/v1/Pod')).Pod),
  'v1/Service': async () => validator((await import('kubernetes-models/v1/Service')).Service),
  'v1/ServiceAccount': async () =>
    validator((await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount),
  'apps/v1/Deployment': async () =>
    validator((await import('kubernetes-models/apps/v1/Deployment')).Deployment),
  'autoscaling/v2/HorizontalPodAutoscaler': async () =>
    validator(
      (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'))
        .HorizontalPodAutoscaler,
    ),
  'policy/v1/PodDisruptionBudget': async () =>
    validator(
      (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget,
    ),
  'networking.k8s.io/v1/NetworkPolicy': async () =>
    validator((await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy),
  'monitoring.coreos.com/v1/ServiceMonitor': async () =>
    validator(
      (
        await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor')
      ).ServiceMonitor,
    ),
  'monitoring.coreos.com/v1/PrometheusRule': async () =>
    validator(
      (
        await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule')
      ).PrometheusRule,
    ),
  'kafka.strimzi.io/v1beta2/KafkaTopic': async () =>
    validator(
      (
        await import('@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2/KafkaTopic')
      ).KafkaTopic,
    ),
};

/** The kinds validateObjects knows. */
export const VALIDATED_KINDS: readonly string[] = Object.keys(VALIDATORS);

export interface SchemaViolation {
  readonly object: string;
  readonly message: string;
}

const loaded = new Map<string, Validate>();

/** Every object that fails its schema, or whose kind has no schema here (an unvalidated kind). */
export async function validateObjects(
  objects: readonly RenderedObject[],
): Promise<SchemaViolation[]> {
  const violations: SchemaViolation[] = [];
  for (const { source, object } of objects) {
    const key = `${object.apiVersion}/${object.kind}`;
    const label = `${key} ${object.metadata.name} (${source})`;
    const load = VALIDATORS[key];
    if (load === undefined) {
      violations.push({ object: label, message: `no schema for ${key}: add it to VALIDATORS` });
      continue;
    }
    let validate = loaded.get(key);
    if (validate === undefined) {
      validate = await load();
      loaded.set(key, validate);
    }
    try {
      validate(object);
    } catch (error) {
      violations.push({
        object: label,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return violations;
}
