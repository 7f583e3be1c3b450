/**
 * Renders the kustomize overlays (`kubectl kustomize`, offline) and validates every object:
 * core kinds against the Kubernetes OpenAPI schemas (kubernetes-models), Strimzi and
 * prometheus-operator kinds against their CRD schemas (@kubernetes-models/*), other CRDs
 * (CloudNativePG) structurally.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<
    string,
    unknown
  >;
  readonly [key: string]: unknown;
}

export const OVERLAYS = ['us-central1', 'us-east1'] as const;
export const NAMESPACES = ['meridian', 'kafka', 'data', 'vault', 'monitoring'] as const;

/** `kubectl kustomize <dir>` parsed into objects; throws with kubectl's message on failure. */
export function renderKustomization(dir: string): KubeObject[] {
  const output = execFileSync('kubectl', ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return parseManifests(output);
}

export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value))
      throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    objects.push(value);
  }
  return objects;
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const metadata = v['metadata'] as Record<string, unknown> | undefined;
  return (
    typeof v['apiVersion'] === 'string' &&
    typeof v['kind'] === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof metadata['name'] === 'string'
  );
}

export interface ValidationIssue {
  readonly object: string;
  readonly message: string;
}

/** CRDs without a published model: what their controllers require at minimum. */
const STRUCTURAL: Record<string, (o: KubeObject) => string | undefined> = {
  'postgresql.cnpg.io/v1/Cluster': (o) => {
    const spec = o['spec'] as Record<string, unknown> | undefined;
    if (typeof spec?.['instances'] !== 'number') return 'spec.instances must be a number';
    if (typeof (spec['storage'] as Record<string, unknown> | undefined)?.['size'] !== 'string')
      return 'spec.storage.size is required';
    return undefined;
  },
  'postgresql.cnpg.io/v1/Pooler': (o) => {
    const spec = o['spec'] as Record<string, unknown> | undefined;
    const cluster = spec?.['cluster'] as Record<string, unknown> | undefined;
    if (typeof cluster?.['name'] !== 'string') return 'spec.cluster.name is required';
    if (!['rw', 'ro'].includes(String(spec?.['type']))) return 'spec.type must be rw or ro';
    return undefined;
  },
  'postgresql.cnpg.io/v1/ScheduledBackup': (o) => {
    const spec = o['spec'] as Record<string, unknown> | undefined;
    return typeof spec?.['schedule'] === 'string' ? undefined : 'spec.schedule is required';
  },
};

/** Validates every object; returns the issues (empty: all valid). */
export function validateObjects(objects: readonly KubeObject[]): ValidationIssue[] {
  const output = execFileSync(process.execPath, [join(__dirname, 'validate-models.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const modelIssues = JSON.parse(output) as ValidationIssue[];
  const issues: ValidationIssue[] = [];
  for (const issue of modelIssues) {
    if (issue.message !== 'no-model') {
      issues.push(issue);
      continue;
    }
    const object = objects.find(
      (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}` === issue.object,
    );
    const structural =
      object === undefined ? undefined : STRUCTURAL[`${object.apiVersion}/${object.kind}`];
    if (object === undefined || structural === undefined) {
      issues.push({ object: issue.object, message: 'no schema or structural check for this kind' });
      continue;
    }
    const problem = structural(object);
    if (problem !== undefined) issues.push({ object: issue.object, message: problem });
  }
  return issues;
}
