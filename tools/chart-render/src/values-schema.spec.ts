import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CHART_DIR } from './paths';
import { ChartRenderError, renderChart } from './render-chart';
import { copyChart } from './testing-chart';

const schema: unknown = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'));

/** Every object node of the schema (properties, definitions, items, if/then, ...). */
function objectNodes(node: unknown, path: string, out: [string, Record<string, unknown>][]) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => objectNodes(item, `${path}[${i}]`, out));
    return out;
  }
  if (typeof node !== 'object' || node === null) return out;
  const record = node as Record<string, unknown>;
  if (record['type'] === 'object') out.push([path, record]);
  for (const [key, value] of Object.entries(record)) objectNodes(value, `${path}/${key}`, out);
  return out;
}

function renderError(values: string): string {
  const { dir, cleanup } = copyChart();
  try {
    const file = join(dir, 'bad-values.yaml');
    writeFileSync(file, values);
    renderChart(dir, { valuesFiles: [file] });
    return '';
  } catch (error) {
    if (!(error instanceof ChartRenderError)) throw error;
    return error.message;
  } finally {
    cleanup();
  }
}

describe('values.schema.json', () => {
  it('closes every object: additionalProperties false on structs, a typed schema on maps', () => {
    const nodes = objectNodes(schema, '#', []);
    expect(nodes.length).toBeGreaterThan(40);
    const open = nodes
      .filter(([, node]) =>
        node['properties'] !== undefined
          ? node['additionalProperties'] !== false
          : z.object({ type: z.literal('string') }).safeParse(node['additionalProperties'])
              .success === false,
      )
      .map(([path]) => path);
    expect(open).toEqual([]);
  });

  it.each([
    [
      'an unknown key',
      'services:\n  order-gateway:\n    replica: 3\n',
      '- services.order-gateway: Additional property replica is not allowed',
    ],
    [
      'an unknown top-level key',
      'extra: 1\n',
      '- (root): Additional property extra is not allowed',
    ],
    [
      'a :latest tag',
      'services:\n  executor:\n    image: { tag: latest }\n',
      '- services.executor.image.tag: Must not validate the schema (not)',
    ],
    [
      'a malformed digest',
      'services:\n  executor:\n    image: { digest: "sha256:abc" }\n',
      "- services.executor.image.digest: Does not match pattern '^(sha256:[a-f0-9]{64})?$'",
    ],
    [
      'a tag-only image in prod',
      'global:\n  environment: prod\n',
      "- services.order-gateway.image.digest: Does not match pattern '^sha256:[a-f0-9]{64}$'",
    ],
    [
      'a Vault service without a role',
      'services:\n  portfolio:\n    vault: { role: "" }\n',
      '- services.portfolio.vault.role: String length must be greater than or equal to 1',
    ],
    [
      'negative replicas',
      'services:\n  executor:\n    replicas: -1\n',
      '- services.executor.replicas: Must be greater than or equal to 0',
    ],
    [
      'a weakened security context',
      'containerSecurityContext:\n  readOnlyRootFilesystem: false\n',
      '- containerSecurityContext.readOnlyRootFilesystem: containerSecurityContext.readOnlyRootFilesystem does not match: true',
    ],
    [
      'an unknown dependency',
      'services:\n  executor:\n    dependsOn: [kafka, mongo]\n',
      '- services.executor.dependsOn.1: services.executor.dependsOn.1 must be one of the following: "kafka", "postgres", "redis", "vault"',
    ],
    [
      'both PDB bounds',
      'services:\n  executor:\n    podDisruptionBudget: { minAvailable: 1 }\n',
      '- services.executor.podDisruptionBudget: Must have at most 1 properties',
    ],
    [
      'a non-string env value',
      'services:\n  executor:\n    env: { EXECUTOR_WORKERS: 3 }\n',
      '- services.executor.env.EXECUTOR_WORKERS: Invalid type. Expected: string, given: integer',
    ],
  ])('rejects %s with a message naming the key', (_what, values, expected) => {
    const message = renderError(values);
    expect(message).toMatch(
      /^values don't meet the specifications of the schema\(s\) in the following chart\(s\):\nmeridian:\n/,
    );
    expect(message.split('\n')).toContain(expected);
  });

  it('accepts the defaults and both region files', () => {
    expect(renderError('{}\n')).toBe('');
    for (const region of ['us-central1', 'us-east1'])
      expect(renderError(readFileSync(join(CHART_DIR, `values-${region}.yaml`), 'utf8'))).toBe('');
  });
});
