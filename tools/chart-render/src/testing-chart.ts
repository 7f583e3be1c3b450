import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DIR } from './paths';
import { type KubernetesObject, type RenderedObject } from './render-chart';

/** The release variants CI renders: default values and each region's values file. */
export const VARIANTS = [
  { name: 'default', valuesFiles: [] as string[] },
  { name: 'us-central1', valuesFiles: [join(CHART_DIR, 'values-us-central1.yaml')] },
  { name: 'us-east1', valuesFiles: [join(CHART_DIR, 'values-us-east1.yaml')] },
  { name: 'staging', valuesFiles: [join(CHART_DIR, 'values-staging.yaml')] },
] as const;

/** A scratch copy of the chart a spec may change; remove it with the returned cleanup. */
export function copyChart(): { dir: string; cleanup: () => void } {
  const dir = join(mkdtempSync(join(tmpdir(), 'meridian-chart-')), 'meridian');
  cpSync(CHART_DIR, dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dirname(dir), { recursive: true, force: true }) };
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

export function find(
  objects: readonly RenderedObject[],
  kind: string,
  name: string,
): KubernetesObject {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} rendered`);
  return found.object;
}

export function namesOf(objects: readonly RenderedObject[], kind: string): string[] {
  return objects.filter((o) => o.object.kind === kind).map((o) => o.object.metadata.name);
}
