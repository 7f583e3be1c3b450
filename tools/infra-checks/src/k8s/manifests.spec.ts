import { join } from 'node:path';
import {
  type KubeObject,
  NAMESPACES,
  OVERLAYS,
  parseManifests,
  renderKustomization,
  validateObjects,
} from './manifests';

const ROOT = join(__dirname, '..', '..', '..', '..');
const rendered = new Map<string, KubeObject[]>(
  OVERLAYS.map((overlay) => [overlay, renderKustomization(join(ROOT, 'k8s', 'overlays', overlay))]),
);
const objectsOf = (overlay: string): KubeObject[] => rendered.get(overlay) ?? [];
const find = (overlay: string, kind: string, name: string): KubeObject | undefined =>
  objectsOf(overlay).find((o) => o.kind === kind && o.metadata.name === name);
const spec = (o: KubeObject | undefined): Record<string, unknown> =>
  (o?.['spec'] ?? {}) as Record<string, unknown>;

describe.each(OVERLAYS)('k8s overlay %s', (overlay) => {
  it('renders and every object passes its schema (core kinds, Strimzi, prometheus-operator) or structural check', () => {
    expect(objectsOf(overlay).length).toBeGreaterThan(25);
    expect(validateObjects(objectsOf(overlay))).toEqual([]);
  });

  it('creates the five namespaces and puts every namespaced object in one of them', () => {
    const namespaces = objectsOf(overlay)
      .filter((o) => o.kind === 'Namespace')
      .map((o) => o.metadata.name);
    expect(namespaces.sort()).toEqual([...NAMESPACES].sort());
    const clusterScoped = new Set(['Namespace', 'ClusterRoleBinding', 'ClusterRole']);
    for (const o of objectsOf(overlay).filter((x) => !clusterScoped.has(x.kind)))
      expect([
        o.kind,
        NAMESPACES.includes(o.metadata.namespace as (typeof NAMESPACES)[number]),
      ]).toEqual([o.kind, true]);
  });

  it('runs Kafka in KRaft with node pools, RF 3, min.insync.replicas 2 and zone rack awareness', () => {
    const kafka = find(overlay, 'Kafka', 'meridian');
    expect(kafka?.metadata['annotations']).toMatchObject({
      'strimzi.io/kraft': 'enabled',
      'strimzi.io/node-pools': 'enabled',
    });
    const k = spec(kafka)['kafka'] as Record<string, Record<string, unknown>>;
    expect(k['config']).toMatchObject({
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'unclean.leader.election.enable': false,
    });
    expect(k['rack']).toEqual({ topologyKey: 'topology.kubernetes.io/zone' });
    const pools = objectsOf(overlay).filter((o) => o.kind === 'KafkaNodePool');
    const roles = pools.flatMap((p) => spec(p)['roles'] as string[]);
    expect(roles.sort()).toEqual(['broker', 'controller']);
    for (const pool of pools) expect(spec(pool)['replicas']).toBeGreaterThanOrEqual(3);
  });

  it('generates the Vault policies and the configure Job mounts them', () => {
    const policies = objectsOf(overlay).find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('vault-policies-'),
    );
    const data = (policies?.['data'] ?? {}) as Record<string, string>;
    expect(Object.keys(data)).toHaveLength(9);
    expect(data['order-gateway.hcl']).toContain('path "database/creds/order-gateway"');
    expect(data['executor.hcl']).not.toContain('database/creds');
    const job = find(overlay, 'Job', 'vault-configure');
    expect(JSON.stringify(job)).toContain(policies?.metadata.name);
  });
});

describe('regions', () => {
  it('only the failover region runs MirrorMaker 2, pulling from us-central1 with offset sync', () => {
    expect(objectsOf('us-central1').some((o) => o.kind === 'KafkaMirrorMaker2')).toBe(false);
    const mm2 = objectsOf('us-east1').find((o) => o.kind === 'KafkaMirrorMaker2');
    const mirrors = spec(mm2)['mirrors'] as Record<string, unknown>[];
    expect(spec(mm2)['connectCluster']).toBe('us-east1');
    expect(mirrors).toHaveLength(1);
    expect(mirrors[0]).toMatchObject({ sourceCluster: 'us-central1', targetCluster: 'us-east1' });
    expect(mirrors[0]?.['checkpointConnector']).toMatchObject({
      config: { 'sync.group.offsets.enabled': 'true' },
    });
  });

  it('us-east1 TimescaleDB is a replica cluster of us-central1; us-central1 is a primary', () => {
    expect(spec(find('us-east1', 'Cluster', 'timescaledb'))['replica']).toEqual({
      enabled: true,
      source: 'timescaledb-us-central1',
    });
    expect(spec(find('us-east1', 'Cluster', 'timescaledb'))['bootstrap']).toEqual({
      recovery: { source: 'timescaledb-us-central1' },
    });
    expect(spec(find('us-central1', 'Cluster', 'timescaledb'))['replica']).toBeUndefined();
  });

  it('marks each cluster with its role', () => {
    expect(find('us-central1', 'ConfigMap', 'meridian-region')?.['data']).toMatchObject({
      role: 'primary',
    });
    expect(find('us-east1', 'ConfigMap', 'meridian-region')?.['data']).toMatchObject({
      role: 'standby',
    });
  });
});

describe('validation catches bad manifests', () => {
  it('rejects a Deployment without a selector, a Kafka with a bad listener and an unknown kind', () => {
    const issues = validateObjects(
      parseManifests(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: d, namespace: meridian }
spec:
  template: { spec: { containers: [{ name: c, image: x }] } }
---
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: { name: k, namespace: kafka }
spec:
  kafka:
    listeners: [{ name: plain, port: "not-a-port", type: internal, tls: false }]
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: w, namespace: meridian }
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: { name: c, namespace: data }
spec: { instances: "3" }
`),
    );
    expect(issues.map((i) => i.object)).toEqual([
      'Deployment/meridian/d',
      'Kafka/kafka/k',
      'Widget/meridian/w',
      'Cluster/data/c',
    ]);
  });

  it('reports kubectl kustomize failures', () => {
    expect(() => renderKustomization(join(ROOT, 'k8s', 'overlays', 'does-not-exist'))).toThrow();
  });
});
