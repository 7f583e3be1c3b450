/**
 * Test helpers around the real Prometheus (Debian's `prometheus` package, with promtool):
 * installing it when missing, running promtool, and a Prometheus server on a loopback port
 * with its own config and TSDB directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from '../outputs';

/** Runs tools/scripts/ensure-prometheus.sh (apt-get install when missing, else a clear failure). */
export function ensurePrometheus(): void {
  try {
    execFileSync('bash', [join(REPO_ROOT, 'tools/scripts/ensure-prometheus.sh')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`Prometheus/promtool are not available: ${stderr || String(error)}`);
  }
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, collecting its output. */
export function run(command: string, args: readonly string[], cwd = REPO_ROOT): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `tasks` with at most `limit` at a time (the machine has two cores). */
export async function inBatches<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const sampleSchema = z.object({
  metric: z.record(z.string(), z.string()),
  value: z.tuple([z.number(), z.string()]),
});
const queryResponseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({ resultType: z.string(), result: z.unknown() }),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

export type Sample = z.infer<typeof sampleSchema>;

/** An instant query's outcome: its vector (scalars become one unlabelled sample) or its error. */
export type QueryOutcome =
  | { readonly ok: true; readonly samples: readonly Sample[] }
  | { readonly ok: false; readonly error: string };

const ruleSchema = z.object({
  name: z.string(),
  query: z.string(),
  health: z.string(),
  lastError: z.string().optional(),
  type: z.enum(['recording', 'alerting']),
  lastEvaluation: z.string(),
});
const rulesResponseSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    groups: z.array(z.object({ name: z.string(), file: z.string(), rules: z.array(ruleSchema) })),
  }),
});
export type RuleStatus = z.infer<typeof ruleSchema> & { readonly group: string };

export interface ScrapeTarget {
  readonly job: string;
  readonly port: number;
}

/** A Prometheus server of the test: loopback port, 1 s scrapes and rule evaluations. */
export class PrometheusProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: () => string,
  ) {}

  static start(options: {
    port: number;
    ruleFiles: readonly string[];
    targets: readonly ScrapeTarget[];
  }): PrometheusProcess {
    const dir = mkdtempSync(join(tmpdir(), 'slo-prometheus-'));
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: options.ruleFiles,
      scrape_configs: options.targets.map((t) => ({
        job_name: t.job,
        static_configs: [{ targets: [`127.0.0.1:${t.port}`] }],
      })),
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--web.listen-address=127.0.0.1:${options.port}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        '--log.level=warn',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new PrometheusProcess(`http://127.0.0.1:${options.port}`, child, dir, () => output);
  }

  /** What Prometheus logged (shown when something fails). */
  logs(): string {
    return this.output();
  }

  exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async ready(): Promise<boolean> {
    const response = await fetch(`${this.url}/-/ready`).catch(() => undefined);
    return response?.status === 200;
  }

  /** An instant query through the HTTP API (a parse error comes back as `ok: false`). */
  async query(expr: string): Promise<QueryOutcome> {
    const response = await fetch(`${this.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }).toString(),
    });
    const body = queryResponseSchema.parse(await response.json());
    if (body.status === 'error') return { ok: false, error: `${body.errorType}: ${body.error}` };
    const { resultType, result } = body.data;
    if (resultType === 'vector') return { ok: true, samples: z.array(sampleSchema).parse(result) };
    if (resultType === 'scalar') {
      const value = z.tuple([z.number(), z.string()]).parse(result);
      return { ok: true, samples: [{ metric: {}, value }] };
    }
    return { ok: false, error: `unexpected result type ${resultType}` };
  }

  /** Values of the label `label` on series matching `match` (what Grafana's label_values does). */
  async labelValues(label: string, match: string): Promise<string[]> {
    const params = new URLSearchParams({ 'match[]': match });
    const response = await fetch(`${this.url}/api/v1/label/${label}/values?${params.toString()}`);
    const body = z
      .object({ status: z.literal('success'), data: z.array(z.string()) })
      .parse(await response.json());
    return body.data;
  }

  /** Every loaded rule with its health and last evaluation. */
  async rules(): Promise<RuleStatus[]> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const body = rulesResponseSchema.parse(await response.json());
    return body.data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
  }

  async stop(): Promise<void> {
    if (!this.exited()) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
