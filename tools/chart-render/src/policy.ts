/**
 * Policy checks of rendered manifests, beyond schema validity: what the platform requires of
 * every workload (probes, resources, hardened security context, a PDB, a NetworkPolicy, a
 * ServiceMonitor, topology spread, pinned images, Workload Identity, no API token).
 */
import { z } from 'zod';
import { type KubernetesObject, type RenderedObject } from './render-chart';

const StringMap = z.record(z.string(), z.string());
const Quantity = z.union([z.string(), z.number()]);
const Resources = z
  .object({
    requests: z.record(z.string(), Quantity).optional(),
    limits: z.record(z.string(), Quantity).optional(),
  })
  .loose();
const SecurityContext = z
  .object({
    runAsNonRoot: z.boolean().optional(),
    runAsUser: z.number().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    privileged: z.boolean().optional(),
    capabilities: z
      .object({ drop: z.array(z.string()).optional() })
      .loose()
      .optional(),
    seccompProfile: z.object({ type: z.string() }).loose().optional(),
  })
  .loose();
const Container = z
  .object({
    name: z.string(),
    image: z.string(),
    livenessProbe: z.unknown().optional(),
    readinessProbe: z.unknown().optional(),
    startupProbe: z.object({ grpc: z.unknown().optional() }).loose().optional(),
    ports: z.array(z.object({ name: z.string().optional() }).loose()).optional(),
    resources: Resources.optional(),
    securityContext: SecurityContext.optional(),
  })
  .loose();
const PodSpec = z
  .object({
    containers: z.array(Container),
    initContainers: z.array(Container).optional(),
    securityContext: SecurityContext.optional(),
    automountServiceAccountToken: z.boolean().optional(),
    serviceAccountName: z.string().optional(),
    topologySpreadConstraints: z.array(z.object({ topologyKey: z.string() }).loose()).optional(),
  })
  .loose();
const Deployment = z
  .object({
    spec: z
      .object({
        selector: z.object({ matchLabels: StringMap }).loose(),
        template: z.object({
          metadata: z.object({ labels: StringMap }).loose(),
          spec: PodSpec,
        }),
      })
      .loose(),
  })
  .loose();
const Pod = z.object({ spec: PodSpec }).loose();
const Selecting = z
  .object({ spec: z.object({ selector: z.object({ matchLabels: StringMap }).loose() }).loose() })
  .loose();
const NetworkPolicy = z
  .object({
    spec: z
      .object({
        podSelector: z.object({ matchLabels: StringMap.optional() }).loose(),
        policyTypes: z.array(z.string()).optional(),
        ingress: z.array(z.unknown()).optional(),
        egress: z.array(z.unknown()).optional(),
      })
      .loose(),
  })
  .loose();
const Service = z.object({ spec: z.object({ selector: StringMap.optional() }).loose() }).loose();

export interface PolicyOptions {
  /** Every workload image must be pinned by digest (region values). */
  readonly requireDigests?: boolean;
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** True when every label of `selector` is on `labels` (an empty selector selects nothing here). */
function selects(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
) {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

function imageProblems(where: string, image: string, requireDigest: boolean): string[] {
  const problems: string[] = [];
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSegment = withoutDigest.split('/').pop() ?? withoutDigest;
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  if (tag === 'latest') problems.push(`${where}: image ${image} uses :latest`);
  if (tag === undefined && !DIGEST.test(image))
    problems.push(`${where}: image ${image} has neither tag nor digest`);
  if (requireDigest && !DIGEST.test(image))
    problems.push(`${where}: image ${image} is not pinned by digest`);
  return problems;
}

function securityProblems(
  where: string,
  pod: z.infer<typeof PodSpec>,
  container: z.infer<typeof Container>,
): string[] {
  const problems: string[] = [];
  const c = container.securityContext ?? {};
  const p = pod.securityContext ?? {};
  if ((c.runAsNonRoot ?? p.runAsNonRoot) !== true)
    problems.push(`${where}: runAsNonRoot is not true`);
  if ((c.runAsUser ?? p.runAsUser ?? 0) === 0) problems.push(`${where}: may run as UID 0`);
  if (c.allowPrivilegeEscalation !== false)
    problems.push(`${where}: allowPrivilegeEscalation is not false`);
  if (c.readOnlyRootFilesystem !== true)
    problems.push(`${where}: readOnlyRootFilesystem is not true`);
  if (c.privileged === true) problems.push(`${where}: privileged`);
  if (!(c.capabilities?.drop ?? []).includes('ALL'))
    problems.push(`${where}: does not drop ALL capabilities`);
  if ((c.seccompProfile ?? p.seccompProfile)?.type !== 'RuntimeDefault')
    problems.push(`${where}: seccompProfile is not RuntimeDefault`);
  return problems;
}

function resourceProblems(where: string, container: z.infer<typeof Container>): string[] {
  const problems: string[] = [];
  for (const kind of ['requests', 'limits'] as const)
    for (const resource of ['cpu', 'memory'])
      if (container.resources?.[kind]?.[resource] === undefined)
        problems.push(`${where}: no ${resource} ${kind}`);
  return problems;
}

function ofKind(objects: readonly RenderedObject[], kind: string): KubernetesObject[] {
  return objects.filter(({ object }) => object.kind === kind).map(({ object }) => object);
}

/** Every policy violation of a rendered release; empty when it complies. */
export function policyViolations(
  objects: readonly RenderedObject[],
  options: PolicyOptions = {},
): string[] {
  const problems: string[] = [];
  const pdbs = ofKind(objects, 'PodDisruptionBudget').map((o) => Selecting.parse(o));
  const networkPolicies = ofKind(objects, 'NetworkPolicy').map((o) => NetworkPolicy.parse(o));
  const services = ofKind(objects, 'Service').map((o) => ({
    meta: o.metadata,
    ...Service.parse(o),
  }));
  const monitors = ofKind(objects, 'ServiceMonitor').map((o) => Selecting.parse(o));
  const serviceAccounts = ofKind(objects, 'ServiceAccount');

  const defaultDeny = networkPolicies.some(
    (np) =>
      Object.keys(np.spec.podSelector.matchLabels ?? {}).length === 0 &&
      (np.spec.policyTypes ?? []).includes('Ingress') &&
      (np.spec.policyTypes ?? []).includes('Egress') &&
      (np.spec.ingress ?? []).length === 0 &&
      (np.spec.egress ?? []).length === 0,
  );
  if (!defaultDeny) problems.push('no default-deny NetworkPolicy (podSelector {}, Ingress+Egress)');

  for (const object of ofKind(objects, 'Deployment')) {
    const name = `Deployment ${object.metadata.name}`;
    const deployment = Deployment.parse(object);
    const pod = deployment.spec.template.spec;
    const labels = deployment.spec.template.metadata.labels;
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      const where = `${name} container ${container.name}`;
      if (container.livenessProbe === undefined) problems.push(`${where}: no livenessProbe`);
      if (container.readinessProbe === undefined) problems.push(`${where}: no readinessProbe`);
      if (
        (container.ports ?? []).some((port) => port.name === 'grpc') &&
        container.startupProbe?.grpc === undefined
      )
        problems.push(`${where}: serves gRPC without a gRPC startup probe`);
      problems.push(...resourceProblems(where, container));
      problems.push(...securityProblems(where, pod, container));
      problems.push(...imageProblems(where, container.image, options.requireDigests === true));
    }
    if (pod.automountServiceAccountToken !== false)
      problems.push(`${name}: automountServiceAccountToken is not false`);
    const keys = (pod.topologySpreadConstraints ?? []).map((c) => c.topologyKey);
    for (const key of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'])
      if (!keys.includes(key)) problems.push(`${name}: no topologySpreadConstraint on ${key}`);
    if (!pdbs.some((pdb) => selects(pdb.spec.selector.matchLabels, labels)))
      problems.push(`${name}: no PodDisruptionBudget`);
    if (!networkPolicies.some((np) => selects(np.spec.podSelector.matchLabels ?? {}, labels)))
      problems.push(`${name}: no NetworkPolicy`);
    const service = services.find((s) => selects(s.spec.selector ?? {}, labels));
    if (service === undefined) problems.push(`${name}: no Service`);
    else if (!monitors.some((m) => selects(m.spec.selector.matchLabels, service.meta.labels ?? {})))
      problems.push(`${name}: no ServiceMonitor`);
    const account = serviceAccounts.find((sa) => sa.metadata.name === pod.serviceAccountName);
    if (account === undefined)
      problems.push(`${name}: no ServiceAccount ${pod.serviceAccountName ?? ''}`);
    else {
      if (account['automountServiceAccountToken'] !== false)
        problems.push(
          `ServiceAccount ${account.metadata.name}: automountServiceAccountToken is not false`,
        );
      if (
        !(account.metadata.annotations?.['iam.gke.io/gcp-service-account'] ?? '').endsWith(
          '.iam.gserviceaccount.com',
        )
      )
        problems.push(`ServiceAccount ${account.metadata.name}: no Workload Identity annotation`);
    }
  }

  for (const object of ofKind(objects, 'Pod')) {
    const pod = Pod.parse(object).spec;
    for (const container of pod.containers) {
      const where = `Pod ${object.metadata.name} container ${container.name}`;
      problems.push(...resourceProblems(where, container));
      problems.push(...securityProblems(where, pod, container));
      problems.push(...imageProblems(where, container.image, false));
    }
  }
  return problems;
}
