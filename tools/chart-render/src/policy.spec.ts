import { CHART_DIR } from './paths';
import { policyViolations } from './policy';
import { type KubernetesObject, type RenderedObject, renderChart } from './render-chart';
import { validateObjects } from './validate-objects';

// The checks must bite: each case breaks one rule in a copy of a compliant release.
const { objects } = renderChart(CHART_DIR);

function mutated(
  kind: string,
  name: string,
  change: (object: Record<string, unknown>) => void,
): RenderedObject[] {
  return objects.map((entry) => {
    if (entry.object.kind !== kind || entry.object.metadata.name !== name) return entry;
    const copy = structuredClone(entry.object) as Record<string, unknown>;
    change(copy);
    return { ...entry, object: copy as KubernetesObject };
  });
}

/** Walks a path of object keys and array indexes; throws when a step is missing. */
function at(object: unknown, ...path: (string | number)[]): Record<string, unknown> {
  let current: unknown = object;
  for (const step of path) {
    if (typeof current !== 'object' || current === null) throw new Error(`no ${String(step)}`);
    current = (current as Record<string | number, unknown>)[step];
  }
  if (typeof current !== 'object' || current === null) throw new Error(`no ${path.join('.')}`);
  return current as Record<string, unknown>;
}

const container = (o: unknown) => at(o, 'spec', 'template', 'spec', 'containers', 0);
const GATEWAY = 'meridian-order-gateway';

describe('policyViolations', () => {
  it('accepts the default release', () => {
    expect(policyViolations(objects)).toEqual([]);
  });

  it.each<[string, string, string, (o: Record<string, unknown>) => void]>([
    [
      'a missing readiness probe',
      'Deployment',
      'container order-gateway: no readinessProbe',
      (o) => delete container(o)['readinessProbe'],
    ],
    [
      'a missing liveness probe',
      'Deployment',
      'container order-gateway: no livenessProbe',
      (o) => delete container(o)['livenessProbe'],
    ],
    [
      'a gRPC server without a gRPC startup probe',
      'Deployment',
      'serves gRPC without a gRPC startup probe',
      (o) => delete container(o)['startupProbe'],
    ],
    [
      'missing limits',
      'Deployment',
      'no memory limits',
      (o) => delete at(container(o), 'resources', 'limits')['memory'],
    ],
    [
      'privilege escalation',
      'Deployment',
      'allowPrivilegeEscalation is not false',
      (o) => (at(container(o), 'securityContext')['allowPrivilegeEscalation'] = true),
    ],
    [
      'a writable root filesystem',
      'Deployment',
      'readOnlyRootFilesystem is not true',
      (o) => delete at(container(o), 'securityContext')['readOnlyRootFilesystem'],
    ],
    [
      'kept capabilities',
      'Deployment',
      'does not drop ALL capabilities',
      (o) => (at(container(o), 'securityContext')['capabilities'] = { drop: ['NET_RAW'] }),
    ],
    [
      'an unconfined seccomp profile',
      'Deployment',
      'seccompProfile is not RuntimeDefault',
      (o) => {
        at(container(o), 'securityContext')['seccompProfile'] = { type: 'Unconfined' };
      },
    ],
    [
      'a :latest image',
      'Deployment',
      'uses :latest',
      (o) => (container(o)['image'] = 'registry/order-gateway:latest'),
    ],
    [
      'a mounted API token',
      'Deployment',
      'automountServiceAccountToken is not false',
      (o) => (at(o, 'spec', 'template', 'spec')['automountServiceAccountToken'] = true),
    ],
    [
      'no zone spread',
      'Deployment',
      'no topologySpreadConstraint on topology.kubernetes.io/zone',
      (o) => {
        const pod = at(o, 'spec', 'template', 'spec');
        pod['topologySpreadConstraints'] = [at(pod, 'topologySpreadConstraints', 1)];
      },
    ],
    [
      'a PDB selecting other pods',
      'PodDisruptionBudget',
      `Deployment ${GATEWAY}: no PodDisruptionBudget`,
      (o) => (at(o, 'spec', 'selector')['matchLabels'] = { app: 'other' }),
    ],
    [
      'a NetworkPolicy selecting other pods',
      'NetworkPolicy',
      `Deployment ${GATEWAY}: no NetworkPolicy`,
      (o) => (at(o, 'spec', 'podSelector')['matchLabels'] = { app: 'other' }),
    ],
    [
      'a ServiceMonitor selecting other services',
      'ServiceMonitor',
      `Deployment ${GATEWAY}: no ServiceMonitor`,
      (o) => (at(o, 'spec', 'selector')['matchLabels'] = { app: 'other' }),
    ],
    [
      'no Workload Identity',
      'ServiceAccount',
      'ServiceAccount order-gateway: no Workload Identity annotation',
      (o) => (at(o, 'metadata')['annotations'] = {}),
    ],
  ])('reports %s', (_what, kind, expected, change) => {
    // Service accounts carry the bare service name (Vault roles, Workload Identity).
    const name = kind === 'ServiceAccount' ? 'order-gateway' : GATEWAY;
    const violations = policyViolations(mutated(kind, name, change));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(expected);
  });

  it('reports a missing default deny', () => {
    const withoutDeny = objects.filter((o) => o.object.metadata.name !== 'meridian-default-deny');
    expect(policyViolations(withoutDeny)).toEqual([
      'no default-deny NetworkPolicy (podSelector {}, Ingress+Egress)',
    ]);
  });

  it('requires digests when asked (region values)', () => {
    const violations = policyViolations(objects, { requireDigests: true });
    expect(violations.filter((v) => v.includes('is not pinned by digest'))).toHaveLength(8);
  });
});

describe('validateObjects', () => {
  it('reports schema errors and kinds it cannot validate', async () => {
    const broken = mutated('Deployment', GATEWAY, (o) => (at(o, 'spec')['replicas'] = 'three'));
    const unknown: RenderedObject = {
      source: 'x',
      object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    };
    const violations = await validateObjects([...broken, unknown]);
    expect(violations.map((v) => v.object)).toEqual([
      `apps/v1/Deployment ${GATEWAY} (meridian/templates/workloads.yaml)`,
      'example.com/v1/Widget w (x)',
    ]);
    expect(violations[0]?.message).toMatch(/replicas/);
    expect(violations[1]?.message).toBe(
      'no schema for example.com/v1/Widget: add it to VALIDATORS',
    );
  });
});
