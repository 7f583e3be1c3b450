import { isMeridianError } from '@meridian/shared-errors';
import { ReadinessCheckDuplicateError, ReadinessCheckTimeoutError } from './observability.error';

/** What a readiness check returns: a plain verdict, or a verdict with details for the report. */
export type ReadinessCheckResult = boolean | { up: boolean; details?: Record<string, unknown> };

/**
 * Reports whether one dependency can serve traffic (Kafka consumer joined, DB pool reachable).
 * `signal` aborts when the check times out, so I/O can be cancelled. Throwing counts as down.
 */
export type ReadinessCheck = (
  signal: AbortSignal,
) => Promise<ReadinessCheckResult> | ReadinessCheckResult;

export interface ReadinessCheckOptions {
  /** Time after which the check counts as down; default the registry's `defaultTimeoutMs`. */
  timeoutMs?: number;
}

/** One check's entry in a report; `status` is reserved, the check's details sit beside it. */
export type ReadinessDetail = { status: 'up' | 'down'; error?: string } & Record<string, unknown>;

/** The outcome of one check. `error` names what went wrong when a check threw or timed out. */
export interface ReadinessOutcome {
  name: string;
  up: boolean;
  detail: ReadinessDetail;
}

/** Overall readiness, shaped like a @nestjs/terminus HealthCheckResult. */
export interface ReadinessReport {
  status: 'ok' | 'error' | 'shutting_down';
  info: Record<string, ReadinessDetail>;
  error: Record<string, ReadinessDetail>;
  details: Record<string, ReadinessDetail>;
}

/** The part of `ReadinessRegistry` a library needs to report its own readiness. */
export interface ReadinessRegistrar {
  register(name: string, check: ReadinessCheck, options?: ReadinessCheckOptions): () => void;
}

export interface ReadinessRegistryOptions {
  /** Default per-check timeout. Default 2000 ms: below a typical 5 s probe timeout. */
  defaultTimeoutMs?: number;
}

interface Entry {
  check: ReadinessCheck;
  timeoutMs: number;
}

function describeError(error: unknown): string {
  if (isMeridianError(error)) {
    return `${error.code}: ${error.message}`;
  }
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

function normalize(result: unknown): { up: boolean; details: Record<string, unknown> } {
  if (typeof result === 'boolean') {
    return { up: result, details: {} };
  }
  if (
    typeof result === 'object' &&
    result !== null &&
    'up' in result &&
    typeof result.up === 'boolean'
  ) {
    const details =
      'details' in result && typeof result.details === 'object' && result.details !== null
        ? result.details
        : {};
    // `status` and `error` belong to the report; a check cannot overwrite them.
    const { status: _status, error: _error, ...rest } = details as Record<string, unknown>;
    return { up: result.up, details: rest };
  }
  throw new TypeError(`readiness check returned ${typeof result}, expected boolean or { up }`);
}

/**
 * The readiness checks of one process. Apps, Nest modules and libs `register` checks; the Nest
 * `/health/ready` endpoint and `startOpsServer` both evaluate them through `evaluate`, so a check
 * behaves the same everywhere: it runs with a timeout, and a throw, a rejection, a timeout or a
 * malformed result make it "down" with the reason in `error`, never a crash.
 *
 * `markShuttingDown()` makes the process unready at once, whatever the checks say, so Kubernetes
 * stops routing to it before in-flight work is drained.
 */
export class ReadinessRegistry implements ReadinessRegistrar {
  private readonly entries = new Map<string, Entry>();
  private readonly defaultTimeoutMs: number;
  private shutdownStarted = false;

  constructor(options: ReadinessRegistryOptions = {}) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 2000;
  }

  /**
   * Adds a check named `name` (the key in the report, e.g. `kafka-consumer`); returns a function
   * that removes it. Throws `ReadinessCheckDuplicateError` when the name is taken.
   */
  register(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = {}): () => void {
    if (this.entries.has(name)) {
      throw new ReadinessCheckDuplicateError(name);
    }
    const entry: Entry = { check, timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs };
    this.entries.set(name, entry);
    return () => {
      if (this.entries.get(name) === entry) {
        this.entries.delete(name);
      }
    };
  }

  /** Names of the registered checks, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** True once `markShuttingDown` was called. */
  get shuttingDown(): boolean {
    return this.shutdownStarted;
  }

  /** Flips the process to not-ready for good; the first step of a graceful shutdown. */
  markShuttingDown(): void {
    this.shutdownStarted = true;
  }

  /** Runs one check with its timeout. Never rejects; an unknown name is reported down. */
  async evaluate(name: string): Promise<ReadinessOutcome> {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      return {
        name,
        up: false,
        detail: { status: 'down', error: `no readiness check named "${name}"` },
      };
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ReadinessCheckTimeoutError(name, entry.timeoutMs);
        controller.abort(error);
        reject(error);
      }, entry.timeoutMs);
    });
    try {
      const result = await Promise.race([
        Promise.resolve().then(() => entry.check(controller.signal)),
        timeout,
      ]);
      const { up, details } = normalize(result);
      return { name, up, detail: { ...details, status: up ? 'up' : 'down' } };
    } catch (error) {
      return { name, up: false, detail: { status: 'down', error: describeError(error) } };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs every check concurrently and summarises them; skips them once shutting down. */
  async check(): Promise<ReadinessReport> {
    if (this.shutdownStarted) {
      return { status: 'shutting_down', info: {}, error: {}, details: {} };
    }
    const outcomes = await Promise.all(this.names().map((name) => this.evaluate(name)));
    const report: ReadinessReport = { status: 'ok', info: {}, error: {}, details: {} };
    for (const outcome of outcomes) {
      report.details[outcome.name] = outcome.detail;
      if (outcome.up) {
        report.info[outcome.name] = outcome.detail;
      } else {
        report.error[outcome.name] = outcome.detail;
        report.status = 'error';
      }
    }
    // A shutdown that began while the checks ran wins.
    return this.shutdownStarted ? { ...report, status: 'shutting_down' } : report;
  }
}
