import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTopics } from '@meridian/contracts';
import { z } from 'zod';
import { CHART_DIR, REPO_ROOT } from './paths';
import { policyViolations } from './policy';
import { renderChart, type RenderResult } from './render-chart';
import { find, namesOf, VARIANTS } from './testing-chart';
import { validateObjects } from './validate-objects';

const SERVICES = [
  'executor',
  'marketdata-api',
  'marketdata-ingestor',
  'order-gateway',
  'order-store',
  'portfolio',
  'risk-monitor',
  'tick-writer',
];

const rendered = new Map<string, RenderResult>(
  VARIANTS.map((v) => [v.name, renderChart(CHART_DIR, { valuesFiles: v.valuesFiles })]),
);
function release(name: string): RenderResult {
  const result = rendered.get(name);
  if (result === undefined) throw new Error(name);
  return result;
}

const PodTemplate = z.object({
  spec: z.object({
    replicas: z.number().optional(),
    template: z.object({
      spec: z
        .object({
          nodeSelector: z.record(z.string(), z.string()).optional(),
          tolerations: z.array(z.object({ key: z.string() }).loose()).optional(),
          volumes: z.array(z.object({ name: z.string() }).loose()),
          containers: z.array(
            z
              .object({
                image: z.string(),
                resources: z.object({
                  requests: z.record(z.string(), z.string()),
                  limits: z.record(z.string(), z.string()),
                }),
              })
              .loose(),
          ),
        })
        .loose(),
    }),
  }),
});

describe.each(VARIANTS.map((v) => v.name))('charts/meridian rendered with %s values', (name) => {
  it('renders every enabled service with all its objects', () => {
    const { objects } = release(name);
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'ServiceMonitor'])
      expect(namesOf(objects, kind).sort()).toEqual(SERVICES.map((s) => `meridian-${s}`));
    // Bare names: Vault roles and Workload Identity bind `meridian/<service>`.
    expect(namesOf(objects, 'ServiceAccount').sort()).toEqual(SERVICES);
    expect(namesOf(objects, 'NetworkPolicy')).toContain('meridian-default-deny');
    expect(namesOf(objects, 'HorizontalPodAutoscaler').sort()).toEqual([
      'meridian-marketdata-api',
      'meridian-order-gateway',
    ]);
    // agent-sim is off by default.
    expect(namesOf(objects, 'Deployment')).not.toContain('meridian-agent-sim');
  });

  it('validates every object against the Kubernetes and CRD schemas', async () => {
    expect(await validateObjects(release(name).objects)).toEqual([]);
  });

  it('passes the policy checks (region values: every image by digest)', () => {
    expect(policyViolations(release(name).objects, { requireDigests: name !== 'default' })).toEqual(
      [],
    );
  });

  it('runs the executor with guaranteed QoS on whole CPUs on the latency pool', () => {
    const executor = PodTemplate.parse(
      find(release(name).objects, 'Deployment', 'meridian-executor'),
    );
    const pod = executor.spec.template.spec;
    const { requests, limits } = pod.containers[0]?.resources ?? { requests: {}, limits: {} };
    expect(requests).toEqual(limits);
    expect(requests['cpu']).toMatch(/^[1-9][0-9]*$/);
    expect(pod.nodeSelector).toEqual({ 'meridian.io/pool': 'latency' });
    expect(pod.tolerations?.map((t) => t.key)).toEqual(['meridian.io/pool']);
    // No Vault, no token: the executor only talks to Kafka.
    expect(pod.volumes.map((v) => v.name)).not.toContain('vault-token');
  });

  it('generates one Strimzi KafkaTopic per registry topic', () => {
    const topics = release(name).objects.filter((o) => o.object.kind === 'KafkaTopic');
    expect(topics.map((t) => t.object.metadata.name).sort()).toEqual(
      allTopics()
        .map((t) => t.name)
        .sort(),
    );
    for (const topic of topics) expect(topic.object.metadata.namespace).toBe('kafka');
  });

  it('renders NOTES.txt with the gateway and the helm test command', () => {
    const { notes } = release(name);
    expect(notes).toContain(
      'kubectl -n meridian port-forward svc/meridian-order-gateway 50051:50051',
    );
    expect(notes).toContain('helm test meridian -n meridian');
    expect(notes.includes('WARNING: pulled by tag')).toBe(name === 'default');
  });

  it('ships helm tests: gateway gRPC health and /health/ready of every running service', () => {
    const tests = release(name).objects.filter((o) => o.source.includes('/templates/tests/'));
    const pods = tests.filter((t) => t.object.kind === 'Pod').map((t) => t.object.metadata.name);
    expect(pods).toContain('meridian-test-gateway-grpc');
    for (const pod of tests) expect(pod.object.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const ready = pods.filter((p) => p.startsWith('meridian-test-ready-'));
    expect(ready.length).toBe(name === 'us-east1' ? 2 : 8);
  });
});

describe('region values', () => {
  const replicas = (variant: string, service: string) =>
    PodTemplate.parse(find(release(variant).objects, 'Deployment', `meridian-${service}`)).spec
      .replicas;

  it('keeps the single writers off in the failover region and on in the primary', () => {
    const writers = [
      'executor',
      'marketdata-ingestor',
      'order-store',
      'tick-writer',
      'portfolio',
      'risk-monitor',
    ];
    for (const service of writers) {
      expect(replicas('us-east1', service)).toBe(0);
      expect(replicas('us-central1', service)).toBeGreaterThan(0);
    }
    const data = (variant: string) =>
      find(release(variant).objects, 'ConfigMap', 'meridian-order-gateway')['data'];
    expect(data('us-central1')).toMatchObject({
      KAFKA_BROKERS: 'meridian-kafka-bootstrap.kafka.svc:9092',
      MERIDIAN_REGION_ROLE: 'primary',
    });
    expect(data('us-east1')).toMatchObject({
      KAFKA_BROKERS: 'meridian-kafka-bootstrap.kafka.svc:9092',
      MERIDIAN_REGION: 'us-east1',
      MERIDIAN_REGION_ROLE: 'failover',
      GATEWAY_MIGRATE: 'false',
    });
  });
  it('promotes us-east1 with the overrides of the failover runbook (docs/deploy-helm.md)', async () => {
    const { objects } = renderChart(CHART_DIR, {
      valuesFiles: VARIANTS[2].valuesFiles,
      set: {
        'global.regionRole': 'primary',
        'services.executor.replicas': 2,
        'services.marketdata-ingestor.replicas': 2,
        'services.order-store.replicas': 2,
        'services.tick-writer.replicas': 2,
        'services.portfolio.replicas': 2,
        'services.risk-monitor.replicas': 2,
      },
      setString: { 'services.order-gateway.env.GATEWAY_MIGRATE': 'true' },
    });
    for (const service of ['executor', 'portfolio', 'risk-monitor'])
      expect(
        PodTemplate.parse(find(objects, 'Deployment', `meridian-${service}`)).spec.replicas,
      ).toBe(2);
    expect(find(objects, 'ConfigMap', 'meridian-order-gateway')['data']).toMatchObject({
      GATEWAY_MIGRATE: 'true',
      MERIDIAN_REGION_ROLE: 'primary',
    });
    expect(policyViolations(objects, { requireDigests: true })).toEqual([]);
    expect(await validateObjects(objects)).toEqual([]);
  });
});

describe('service configuration', () => {
  /** Env names an app reads: quoted upper-case names in its config and the shared fragments. */
  function knownEnv(app: string): Set<string> {
    const sources = [
      `apps/${app}/src/${app}.config.ts`,
      'libs/shared/config/src/config-fragments.ts',
      'libs/shared/secrets/src/secrets.config.ts',
    ].map((file) => readFileSync(join(REPO_ROOT, file), 'utf8'));
    // 'NAME' in field helpers, or NAME: as a key of a zod object of the environment.
    const pattern = /'([A-Z][A-Z0-9_]+)'|^\s+([A-Z][A-Z0-9_]+):/gm;
    return new Set(
      sources.flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? '')),
    );
  }
  // Set by the chart for operators and logs; the apps may ignore them.
  const CHART_ONLY = new Set([
    'MERIDIAN_REGION',
    'MERIDIAN_REGION_ROLE',
    'MERIDIAN_ENVIRONMENT',
    'NODE_ENV',
  ]);

  // Every app that has a config schema yet (the others keep guessed names in values.yaml).
  const withAgentSim = renderChart(CHART_DIR, {
    valuesFiles: VARIANTS[1].valuesFiles,
    set: { 'services.agent-sim.enabled': true },
  });
  it.each([
    'order-gateway',
    'executor',
    'order-store',
    'marketdata-ingestor',
    'portfolio',
    'risk-monitor',
    'agent-sim',
  ])('gives %s only environment variables its config schema knows', (app) => {
    const known = knownEnv(app);
    const data = z
      .record(z.string(), z.string())
      .parse(find(withAgentSim.objects, 'ConfigMap', `meridian-${app}`)['data']);
    const unknown = Object.keys(data).filter((key) => !known.has(key) && !CHART_ONLY.has(key));
    expect(unknown).toEqual([]);
  });

  it('points Vault services at the projected token with audience vault and mounts no API token', () => {
    const gateway = find(release('default').objects, 'Deployment', 'meridian-order-gateway');
    const text = JSON.stringify(gateway);
    expect(text).toContain('"audience":"vault"');
    expect(
      find(release('default').objects, 'ConfigMap', 'meridian-order-gateway')['data'],
    ).toMatchObject({
      SECRETS_PROVIDER: 'vault',
      VAULT_AUTH: 'kubernetes',
      VAULT_ROLE: 'meridian-order-gateway',
      VAULT_DB_ROLE: 'order-gateway',
      VAULT_K8S_JWT_PATH: '/var/run/secrets/vault/token',
    });
  });

  it('wires agent-sim to the gateway when it is enabled (env through tpl, egress to gRPC)', () => {
    const { objects } = renderChart(CHART_DIR, { set: { 'services.agent-sim.enabled': true } });
    expect(find(objects, 'ConfigMap', 'meridian-agent-sim')['data']).toMatchObject({
      AGENT_SIM_GATEWAY: 'meridian-order-gateway:50051',
    });
    expect(JSON.stringify(find(objects, 'NetworkPolicy', 'meridian-agent-sim'))).toContain(
      '{"to":[{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"order-gateway","app.kubernetes.io/instance":"meridian"}}}],"ports":[{"protocol":"TCP","port":50051}]}',
    );
    expect(policyViolations(objects)).toEqual([]);
  });
});
