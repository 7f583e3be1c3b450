import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeIsCurrent, valueDocs } from './generate-readme';
import { topicsFileIsCurrent } from './generate-topics';
import { renderChart } from './render-chart';
import { copyChart } from './testing-chart';

describe('generated chart files', () => {
  it('files/kafka-topics.yaml matches the topic registry (npx tsx tools/chart-render/src/generate-topics.ts)', async () => {
    expect(await topicsFileIsCurrent()).toBe(true);
  });

  it('README.md matches values.yaml (npx tsx tools/chart-render/src/generate-readme.ts)', async () => {
    expect(await readmeIsCurrent()).toBe(true);
  });

  it('documents keys from # -- comments and refuses undocumented values', () => {
    const docs = valueDocs(
      '# -- The replicas.\nreplicas: 2\nnested:\n  # -- A flag.\n  flag: true\n',
    );
    expect(docs).toEqual([
      {
        key: 'replicas',
        type: 'int',
        default: 2,
        description: 'The replicas.',
        hasDocumentedChildren: false,
      },
      {
        key: 'nested.flag',
        type: 'boolean',
        default: true,
        description: 'A flag.',
        hasDocumentedChildren: false,
      },
    ]);
    expect(() => valueDocs('# -- Documented.\na: 1\nb:\n  c: 2\n')).toThrow(
      'values.yaml keys without a "# -- description" (on the key or an ancestor): b.c',
    );
  });

  it('the KafkaTopic template fails loudly when the topic file is empty', () => {
    const { dir, cleanup } = copyChart();
    try {
      writeFileSync(join(dir, 'files', 'kafka-topics.yaml'), 'topics: []\n');
      expect(() => renderChart(dir)).toThrow(/files\/kafka-topics.yaml has no topics/);
    } finally {
      cleanup();
    }
  });
});

describe('SLO rules and dashboards from files/ (written by tools/slo)', () => {
  const kinds = (dir: string) =>
    renderChart(dir).objects.filter(
      (o) =>
        o.object.kind === 'PrometheusRule' ||
        o.object.metadata.labels?.['grafana_dashboard'] === '1',
    );

  it('renders nothing when there are no rule or dashboard files', () => {
    const { dir, cleanup } = copyChart();
    try {
      rmSync(join(dir, 'files', 'prometheus'), { recursive: true, force: true });
      rmSync(join(dir, 'files', 'dashboards'), { recursive: true, force: true });
      expect(kinds(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('turns each rule file into a PrometheusRule and each dashboard into a sidecar ConfigMap', () => {
    const { dir, cleanup } = copyChart();
    try {
      rmSync(join(dir, 'files', 'prometheus'), { recursive: true, force: true });
      rmSync(join(dir, 'files', 'dashboards'), { recursive: true, force: true });
      mkdirSync(join(dir, 'files', 'prometheus'));
      mkdirSync(join(dir, 'files', 'dashboards'));
      writeFileSync(
        join(dir, 'files', 'prometheus', 'fixture-rules.yaml'),
        'groups:\n  - name: fixture\n    rules:\n      - record: job:up:sum\n        expr: sum(up) by (job)\n',
      );
      writeFileSync(join(dir, 'files', 'dashboards', 'fixture.json'), '{"title":"Fixture"}');
      const objects = kinds(dir).map((o) => o.object);
      expect(objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
        'ConfigMap meridian-dashboard-fixture',
        'PrometheusRule meridian-fixture-rules',
      ]);
      expect(objects[0]?.['data']).toEqual({ 'fixture.json': '{"title":"Fixture"}' });
      expect(objects[0]?.metadata.annotations).toEqual({ grafana_folder: 'Meridian' });
      expect(objects[1]?.['spec']).toEqual({
        groups: [{ name: 'fixture', rules: [{ record: 'job:up:sum', expr: 'sum(up) by (job)' }] }],
      });
      expect(objects[1]?.metadata.labels?.['release']).toBe('kube-prometheus-stack');
    } finally {
      cleanup();
    }
  });
});
