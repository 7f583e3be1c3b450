/**
 * A platform service run as a child process the way it runs in production (`node -r
 * @swc-node/register apps/<app>/src/main.ts`), with its log in a file, the last lines kept for
 * failure reports, readiness polling and a graceful stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, Metadata } from '@grpc/grpc-js';
import { grpcHealth } from '@meridian/contracts';

export interface ServiceSpec {
  readonly name: string;
  /** Repository-relative entry, e.g. `apps/executor/src/main.ts`. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  readonly opsPort: number;
  /** gRPC port whose `grpc.health.v1` status must be SERVING for readiness. */
  readonly grpc?: { readonly port: number; readonly service: string };
}

const TAIL_LINES = 40;
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** A pino JSON line as `12:00:01.234 INFO message {fields}`; anything else unchanged. */
export function formatLogLine(line: string): { text: string; level: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { text: line, level: 30 };
  }
  if (typeof parsed !== 'object' || parsed === null) return { text: line, level: 30 };
  const {
    level,
    time,
    msg,
    pid: _pid,
    hostname: _hostname,
    service: _service,
    ...rest
  } = parsed as Record<string, unknown>;
  const n = typeof level === 'number' ? level : 30;
  const at =
    typeof time === 'number' || typeof time === 'string'
      ? new Date(time).toISOString().slice(11, 23)
      : '';
  const fields = Object.keys(rest).length === 0 ? '' : ` ${JSON.stringify(rest)}`;
  return {
    text: `${at} ${LEVELS[n] ?? String(n)} ${typeof msg === 'string' ? msg : ''}${fields}`,
    level: n,
  };
}

export class ServiceProcess {
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private readonly tail: string[] = [];
  private stopping = false;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

  constructor(
    readonly spec: ServiceSpec,
    private readonly root: string,
    logDir: string,
    /** Lines at WARN and above are echoed here (prefixed) as well as logged to the file. */
    private readonly echo: (line: string) => void,
  ) {
    this.logFile = join(logDir, `${spec.name}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Last resort (this process is exiting abruptly): SIGKILL unless it has exited already. */
  killNow(): void {
    const child = this.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null)
      child.kill('SIGKILL');
  }

  /** Spawns the process; `onUnexpectedExit` fires if it ends before `stop()` was called. */
  start(onUnexpectedExit: (error: Error) => void): void {
    this.log = createWriteStream(this.logFile, { flags: 'w' });
    const child = spawn(process.execPath, ['-r', '@swc-node/register', this.spec.entry], {
      cwd: this.root,
      // The parent may run under tsx: its loader hooks in NODE_OPTIONS must not leak in.
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        SWC_NODE_PROJECT: 'tsconfig.base.json',
        ...this.spec.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    child.once('error', (error) =>
      onUnexpectedExit(this.failure(`could not start: ${error.message}`)),
    );
    void this.exit.then(({ code, signal }) => {
      if (!this.stopping)
        onUnexpectedExit(this.failure(`exited unexpectedly (code ${code}, signal ${signal})`));
    });
  }

  /** Polls /health/ready (and gRPC health) until both say ready; rejects after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    const health =
      this.spec.grpc === undefined
        ? undefined
        : new grpcHealth.HealthClient(
            `127.0.0.1:${this.spec.grpc.port}`,
            credentials.createInsecure(),
          );
    try {
      while (Date.now() - t0 < timeoutMs) {
        if (this.child?.exitCode !== null) throw this.failure('exited before it was ready');
        if ((await this.httpReady()) && (await this.grpcServing(health))) return Date.now() - t0;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      health?.close();
    }
    throw this.failure(`not ready within ${timeoutMs / 1000} s`);
  }

  /** SIGTERM, then waits for the exit; SIGKILL after `timeoutMs`. Resolves to the exit code. */
  async stop(timeoutMs: number): Promise<number | null> {
    this.stopping = true;
    const child = this.child;
    if (child === undefined || this.exit === undefined) return null;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exit, killed]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await this.exit;
      await this.closeLog();
      throw this.failure(`did not exit within ${timeoutMs / 1000} s of SIGTERM (killed)`);
    }
    await this.closeLog();
    return outcome.code;
  }

  /** An error carrying the last log lines, so a failure explains itself. */
  failure(what: string): Error {
    const lines = this.tail.map((l) => `    | ${l}`).join('\n');
    return new Error(
      `${this.spec.name} ${what}. Last log lines (full log: ${this.logFile}):\n${lines || '    | (no output)'}`,
    );
  }

  private onLine(line: string): void {
    this.log?.write(`${line}\n`);
    const { text, level } = formatLogLine(line);
    this.tail.push(text);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (level >= 40 && !this.stopping) this.echo(`  [${this.spec.name}] ${text}`);
  }

  private closeLog(): Promise<void> {
    return new Promise((resolve) => {
      if (this.log === undefined) resolve();
      else this.log.end(resolve);
    });
  }

  private async httpReady(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.spec.opsPort}/health/ready`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.body?.cancel();
      return response.status === 200;
    } catch {
      return false;
    }
  }

  private grpcServing(health: grpcHealth.HealthClient | undefined): Promise<boolean> {
    const grpc = this.spec.grpc;
    if (health === undefined || grpc === undefined) return Promise.resolve(true);
    return new Promise((resolve) =>
      health.check(
        { service: grpc.service },
        new Metadata(),
        { deadline: Date.now() + 1000 },
        (error, response) =>
          resolve(
            error === null &&
              response.status === grpcHealth.HealthCheckResponse_ServingStatus.SERVING,
          ),
      ),
    );
  }
}
