import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { PROJECT_DIR, RENDERER_BIN } from './paths';

/** How to render: the `helm template` flags the renderer understands. */
export interface RenderOptions {
  /** `-f` files, later ones win. */
  readonly valuesFiles?: readonly string[];
  /** `--set key=value` (typed like Helm: true/false/null/integers). */
  readonly set?: Readonly<Record<string, string | number | boolean | null>>;
  /** `--set-string key=value`. */
  readonly setString?: Readonly<Record<string, string>>;
  /** `.Release.Name`; default `meridian`. */
  readonly releaseName?: string;
  /** `.Release.Namespace`; default `meridian`. */
  readonly namespace?: string;
  /** `.Capabilities.KubeVersion`; default v1.30.0. */
  readonly kubeVersion?: string;
  /** Leave templates/tests out. */
  readonly skipTests?: boolean;
}

const Metadata = z
  .object({
    name: z.string().min(1),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .loose();

/** Every rendered document must at least be a Kubernetes object. */
export const KubernetesObject = z
  .object({ apiVersion: z.string().min(1), kind: z.string().min(1), metadata: Metadata })
  .loose();
export type KubernetesObject = z.infer<typeof KubernetesObject>;

/** One rendered object and the template it came from (`# Source:`). */
export interface RenderedObject {
  readonly source: string;
  readonly object: KubernetesObject;
}

export interface RenderResult {
  /** The multi-document YAML, as `helm template` prints it. */
  readonly manifest: string;
  readonly objects: readonly RenderedObject[];
  /** The rendered NOTES.txt. */
  readonly notes: string;
}

/** The renderer refused the chart or the values (schema, `required`, `fail`, YAML errors). */
export class ChartRenderError extends Error {
  override readonly name = 'ChartRenderError';
}

let built = false;

/** Builds the Go renderer if needed (tools/chart-render/build.sh; cached by source hash). */
export function ensureRenderer(): string {
  if (!built) {
    execFileSync('bash', [join(PROJECT_DIR, 'build.sh')], { stdio: ['ignore', 'ignore', 'pipe'] });
    built = true;
  }
  return RENDERER_BIN;
}

function setArgs(flag: string, values: Readonly<Record<string, unknown>> | undefined): string[] {
  if (values === undefined) return [];
  return Object.entries(values).flatMap(([key, value]) => [
    flag,
    // Commas separate assignments in --set: escape them inside a value.
    `${key}=${String(value).replaceAll('\\', '\\\\').replaceAll(',', '\\,')}`,
  ]);
}

/** Renders a chart directory like `helm template` and parses every document. */
export function renderChart(chartDir: string, options: RenderOptions = {}): RenderResult {
  const binary = ensureRenderer();
  const workDir = mkdtempSync(join(tmpdir(), 'chart-render-'));
  const notesFile = join(workDir, 'NOTES.txt');
  const args = [
    '--release-name',
    options.releaseName ?? 'meridian',
    '--namespace',
    options.namespace ?? 'meridian',
    '--kube-version',
    options.kubeVersion ?? 'v1.30.0',
    '--notes-out',
    notesFile,
    ...(options.valuesFiles ?? []).flatMap((file) => ['-f', file]),
    ...setArgs('--set', options.set),
    ...setArgs('--set-string', options.setString),
    ...(options.skipTests === true ? ['--skip-tests'] : []),
    chartDir,
  ];
  try {
    let manifest: string;
    try {
      manifest = execFileSync(binary, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const stderr = z.object({ stderr: z.string() }).safeParse(error);
      throw new ChartRenderError(
        stderr.success ? stderr.data.stderr.replace(/^Error: /, '').trim() : String(error),
      );
    }
    return { manifest, objects: parseManifest(manifest), notes: readFileSync(notesFile, 'utf8') };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Parses multi-document YAML with `# Source:` comments into objects. */
export function parseManifest(manifest: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    if (doc.errors.length > 0) {
      throw new ChartRenderError(`invalid YAML in the output: ${doc.errors[0]?.message ?? ''}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const comment = `${doc.commentBefore ?? ''}\n${doc.contents?.commentBefore ?? ''}`;
    const source = /Source: (\S+)/.exec(comment)?.[1] ?? 'unknown';
    const parsed = KubernetesObject.safeParse(value);
    if (!parsed.success) {
      throw new ChartRenderError(`${source}: not a Kubernetes object: ${parsed.error.message}`);
    }
    objects.push({ source, object: parsed.data });
  }
  return objects;
}
