// Node wrapper around the meridian-kafka-dev-broker launcher (librdkafka mock cluster).
// Node built-ins only: this is loaded by tests and by the CLI before anything else is installed.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface DevBrokerTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
}

export interface StartDevBrokerOptions {
  topics: DevBrokerTopic[];
  /** Number of mock brokers, ids 1..N. Default 3. */
  brokers?: number | undefined;
  /** Broker id reported as controller. Default 1. */
  controller?: number | undefined;
  /** Where state.json, broker.log and the transient topics file live. Default <repo>/.cache/kafka-dev-broker. */
  stateDir?: string | undefined;
  /** Daemon mode: the broker outlives this process; logs go to <stateDir>/broker.log. Implies writeState. */
  detached?: boolean | undefined;
  /** Write <stateDir>/state.json so other processes (CLI, tests) can find this broker. Default: detached. */
  writeState?: boolean | undefined;
  /** Fixed broker ports base..base+N-1 (default: kernel-assigned). */
  brokerPortBase?: number | undefined;
  /** Fixed control port (default: kernel-assigned). */
  controlPort?: number | undefined;
  /** group.initial.rebalance.delay.ms of the mock. Default 0 (consumers join immediately). */
  rebalanceDelayMs?: number | undefined;
  /** How long to wait for the launcher's ready line. Default 15 s (excludes a cold build). */
  readyTimeoutMs?: number | undefined;
  /** Foreground mode only: receives every stderr line of the launcher. */
  onLog?: ((line: string) => void) | undefined;
}

export interface DevBrokerState {
  pid: number;
  bootstrap: string[];
  control: string;
  brokers: number;
  logFile: string | null;
  startedAt: string;
}

export interface DevBroker {
  bootstrap: string[];
  controlAddress: string;
  pid: number;
  ping(): Promise<void>;
  /** Drops the broker's connections and refuses new ones. Leadership does NOT move (use setLeader). */
  brokerDown(id: number): Promise<void>;
  brokerUp(id: number): Promise<void>;
  /** The next `errorCodes.length` requests with this ApiKey (cluster-wide) fail with these codes, in order. */
  pushRequestErrors(apiKey: number, errorCodes: number[]): Promise<void>;
  clearRequestErrors(apiKey: number): Promise<void>;
  setRtt(id: number, ms: number): Promise<void>;
  setLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  createTopic(t: DevBrokerTopic): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Kafka protocol ApiKeys the mock implements (others, e.g. CreateTopics=19, are unsupported). */
export const KafkaApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  ApiVersions: 18,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

/** Error codes commonly injected. TRANSPORT is librdkafka-internal: the mock drops the connection. */
export const KafkaErrorCode = {
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  NOT_ENOUGH_REPLICAS: 19,
  REBALANCE_IN_PROGRESS: 27,
  TRANSPORT: -195,
} as const;

export class DevBrokerError extends Error {
  override readonly name = 'DevBrokerError';
}

const PACKAGE_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(PACKAGE_DIR, '..', '..');
const BINARY_NAME = 'meridian-kafka-dev-broker';
export const DEFAULT_STATE_DIR = path.join(REPO_ROOT, '.cache', 'kafka-dev-broker');
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

const stateFile = (stateDir: string): string => path.join(stateDir, 'state.json');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let buildPromise: Promise<string> | undefined;

/**
 * Runs build.sh (a ~20 ms no-op when cached; ~40-60 s cold) and resolves to the launcher path.
 * KAFKA_DEV_BROKER_BIN overrides the binary and skips the build.
 */
export function ensureBuilt(): Promise<string> {
  const override = process.env['KAFKA_DEV_BROKER_BIN'];
  if (override) return Promise.resolve(override);
  buildPromise ??= new Promise<string>((resolve, reject) => {
    execFile(
      'bash',
      [path.join(PACKAGE_DIR, 'build.sh')],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          buildPromise = undefined; // let a later call retry (e.g. after apt-get install)
          reject(
            new DevBrokerError(`kafka-dev-broker build failed:\n${stderr.trim() || err.message}`),
          );
          return;
        }
        const lines = stdout.trim().split('\n');
        resolve(lines[lines.length - 1] ?? path.join(PACKAGE_DIR, '.build', 'bin', BINARY_NAME));
      },
    );
  });
  return buildPromise;
}

/** Parses the `name partitions replication_factor` format (also what the launcher reads). */
export function parseTopicsFile(content: string, source = 'topics file'): DevBrokerTopic[] {
  const topics: DevBrokerTopic[] = [];
  content.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [name = '', partitions, rf, ...rest] = line.split(/\s+/);
    const topic = { name, partitions: Number(partitions), replicationFactor: Number(rf) };
    if (rest.length > 0 || !isValidTopic(topic)) {
      throw new DevBrokerError(
        `${source}:${i + 1}: expected '<name> <partitions> <replication_factor>', got '${raw}'`,
      );
    }
    topics.push(topic);
  });
  return topics;
}

function isValidTopic(t: DevBrokerTopic): boolean {
  return (
    TOPIC_NAME.test(t.name) &&
    Number.isInteger(t.partitions) &&
    t.partitions >= 1 &&
    Number.isInteger(t.replicationFactor) &&
    t.replicationFactor >= 1
  );
}

function assertTopic(t: DevBrokerTopic): void {
  if (!isValidTopic(t)) throw new DevBrokerError(`invalid topic ${JSON.stringify(t)}`);
}

/** Sends one control command and resolves with the text after `ok`; rejects with the `err` message. */
export function sendControl(address: string, command: string, timeoutMs = 5000): Promise<string> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) });
    let buffer = '';
    const fail = (message: string): void => {
      socket.destroy();
      reject(new DevBrokerError(message));
    };
    socket.setTimeout(timeoutMs, () =>
      fail(`kafka-dev-broker control '${command}': no reply within ${timeoutMs} ms`),
    );
    socket.on('error', (e) =>
      fail(`kafka-dev-broker control ${address} '${command}': ${e.message}`),
    );
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      const reply = buffer.slice(0, nl);
      socket.end();
      if (reply === 'ok' || reply.startsWith('ok ')) resolve(reply.slice(3));
      else fail(`kafka-dev-broker '${command}' failed: ${reply.replace(/^err /, '')}`);
    });
    socket.on('end', () =>
      fail(`kafka-dev-broker control '${command}': connection closed without reply`),
    );
    socket.write(`${command}\n`);
  });
}

function isInt(n: number, min: number): boolean {
  return Number.isInteger(n) && n >= min;
}

/** The fault-injection half of DevBroker: all a test worker needs when it only knows the control address. */
export type DevBrokerControl = Omit<DevBroker, 'bootstrap' | 'controlAddress' | 'pid' | 'stop'>;

/** Control client for a broker started elsewhere (e.g. jest global setup exporting MERIDIAN_KAFKA_CONTROL). */
export function devBrokerControl(controlAddress: string): DevBrokerControl {
  return controlApi(controlAddress);
}

function controlApi(controlAddress: string): DevBrokerControl {
  const send = async (...parts: (string | number)[]): Promise<void> => {
    await sendControl(controlAddress, parts.join(' '));
  };
  const int = (n: number, min: number, what: string): number => {
    if (!isInt(n, min)) throw new DevBrokerError(`${what} must be an integer >= ${min}, got ${n}`);
    return n;
  };
  return {
    ping: () => send('ping'),
    brokerDown: async (id) => send('down', int(id, -1, 'broker id')),
    brokerUp: async (id) => send('up', int(id, -1, 'broker id')),
    pushRequestErrors: async (apiKey, codes) => {
      if (codes.length === 0 || !codes.every(Number.isInteger))
        throw new DevBrokerError('errorCodes must be non-empty integers');
      return send('errors', int(apiKey, 0, 'apiKey'), codes.join(','));
    },
    clearRequestErrors: async (apiKey) => send('clear', int(apiKey, 0, 'apiKey')),
    setRtt: async (id, ms) => send('rtt', int(id, -1, 'broker id'), int(ms, 0, 'rtt ms')),
    setLeader: async (topic, partition, brokerId) =>
      send('leader', topic, int(partition, 0, 'partition'), int(brokerId, -1, 'broker id')),
    createTopic: async (t) => {
      assertTopic(t);
      return send('create', t.name, t.partitions, t.replicationFactor);
    },
    deleteTopic: async (name) => {
      assertTopic({ name, partitions: 1, replicationFactor: 1 });
      return send('delete', name);
    },
  };
}

/**
 * kill(pid, 0) also succeeds for zombies, and a daemon's exit is reaped by whatever init the
 * machine has (slowly, or never in some containers), so check /proc for state Z as well.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs
  }
}

/** True when pid is alive and (where /proc exists) really is our launcher, so a recycled pid is never killed. */
function isBrokerProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(BINARY_NAME);
  } catch {
    return true; // no procfs: trust the pid
  }
}

function parseState(raw: string): DevBrokerState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const bootstrap = v['bootstrap'];
  if (typeof v['pid'] !== 'number' || typeof v['control'] !== 'string' || !Array.isArray(bootstrap))
    return undefined;
  return {
    pid: v['pid'],
    control: v['control'],
    bootstrap: bootstrap.filter((b): b is string => typeof b === 'string'),
    brokers: typeof v['brokers'] === 'number' ? v['brokers'] : bootstrap.length,
    logFile: typeof v['logFile'] === 'string' ? v['logFile'] : null,
    startedAt: typeof v['startedAt'] === 'string' ? v['startedAt'] : '',
  };
}

/** Reads <stateDir>/state.json. Stale (dead pid) or corrupt state is removed and reported as undefined. */
export function readDevBrokerState(
  stateDir: string = DEFAULT_STATE_DIR,
): DevBrokerState | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(stateFile(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  const state = parseState(raw);
  if (state && isBrokerProcess(state.pid)) return state;
  fs.rmSync(stateFile(stateDir), { force: true });
  return undefined;
}

/** Handle on a broker started by another process (e.g. `cli.ts start`); stop() kills it and removes the state. */
export function connectDevBroker(stateDir: string = DEFAULT_STATE_DIR): DevBroker {
  const state = readDevBrokerState(stateDir);
  if (!state)
    throw new DevBrokerError(
      `no kafka-dev-broker running (no live state in ${stateFile(stateDir)})`,
    );
  return {
    bootstrap: state.bootstrap,
    controlAddress: state.control,
    pid: state.pid,
    ...controlApi(state.control),
    stop: async () => {
      await stopDevBroker(stateDir);
    },
  };
}

/** SIGTERM, then SIGKILL after timeoutMs. Resolves false if nothing was running. */
export async function stopDevBroker(
  stateDir: string = DEFAULT_STATE_DIR,
  timeoutMs = 5000,
): Promise<boolean> {
  const state = readDevBrokerState(stateDir);
  if (!state) return false;
  await killAndWait(state.pid, timeoutMs);
  fs.rmSync(stateFile(stateDir), { force: true });
  return true;
}

async function killAndWait(pid: number, timeoutMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(25);
  if (!isAlive(pid)) return;
  signal('SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(25);
  if (isAlive(pid)) throw new DevBrokerError(`kafka-dev-broker pid ${pid} survived SIGKILL`);
}

interface ReadyLine {
  bootstrap: string;
  control: string;
  brokers: number;
  pid: number;
}

function parseReadyLine(line: string): ReadyLine | undefined {
  try {
    const v = JSON.parse(line) as Record<string, unknown>;
    const { bootstrap, control, brokers, pid } = v;
    if (
      typeof bootstrap === 'string' &&
      typeof control === 'string' &&
      typeof brokers === 'number' &&
      typeof pid === 'number'
    ) {
      return { bootstrap, control, brokers, pid };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** Keeps the last lines of a stream (for error messages) and forwards complete lines. */
function tailLines(
  stream: NodeJS.ReadableStream | null,
  keep: number,
  onLine?: (line: string) => void,
): () => string {
  const lines: string[] = [];
  let partial = '';
  stream?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      onLine?.(line);
      lines.push(line);
      if (lines.length > keep) lines.shift();
    }
  });
  return () => [...lines, partial].join('\n').trim();
}

function readFileTail(file: string, bytes = 4096): string {
  try {
    const content = fs.readFileSync(file, 'utf8');
    return content.slice(-bytes).trim();
  } catch {
    return '';
  }
}

function waitForReady(
  child: ChildProcess,
  timeoutMs: number,
  stderrTail: () => string,
): Promise<ReadyLine> {
  return new Promise<ReadyLine>((resolve, reject) => {
    let out = '';
    const finish = (err: Error | undefined, ready?: ReadyLine): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) reject(err);
      else if (ready) resolve(ready);
    };
    const describe = (what: string): DevBrokerError => {
      const tail = stderrTail();
      return new DevBrokerError(
        `kafka-dev-broker ${what}${tail ? `\n--- launcher output ---\n${tail}` : ''}`,
      );
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const ready = parseReadyLine(out.slice(0, nl));
      finish(
        ready ? undefined : describe(`printed an unexpected ready line: ${out.slice(0, nl)}`),
        ready,
      );
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      // 'exit' can precede the last stderr chunk; give the pipe a tick to drain.
      setTimeout(
        () =>
          finish(
            describe(
              `exited before becoming ready (code ${code ?? 'null'}, signal ${signal ?? 'none'})`,
            ),
          ),
        50,
      );
    };
    const onError = (e: Error): void => finish(describe(`failed to spawn: ${e.message}`));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(describe(`did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

function launcherArgs(opts: StartDevBrokerOptions, topicsPath: string): string[] {
  const args = ['--brokers', String(opts.brokers ?? 3), '--topics-file', topicsPath];
  const optional: [string, number | undefined][] = [
    ['--controller', opts.controller],
    ['--broker-port-base', opts.brokerPortBase],
    ['--control-port', opts.controlPort],
    ['--rebalance-delay-ms', opts.rebalanceDelayMs ?? 0],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, String(value));
  return args;
}

/**
 * Builds (if needed) and starts a mock cluster with the given topics pre-created (the mock has no
 * CreateTopics API). Foreground brokers die with this process (the launcher watches its stdin).
 */
export async function startDevBroker(opts: StartDevBrokerOptions): Promise<DevBroker> {
  opts.topics.forEach(assertTopic);
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const detached = opts.detached ?? false;
  const writeState = opts.writeState ?? detached;
  const binary = await ensureBuilt();

  fs.mkdirSync(stateDir, { recursive: true });
  if (writeState) {
    const existing = readDevBrokerState(stateDir);
    if (existing)
      throw new DevBrokerError(
        `a kafka-dev-broker is already running (pid ${existing.pid}, ${stateFile(stateDir)})`,
      );
  }
  const topicsPath = path.join(
    stateDir,
    `topics.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.txt`,
  );
  fs.writeFileSync(
    topicsPath,
    opts.topics.map((t) => `${t.name} ${t.partitions} ${t.replicationFactor}\n`).join(''),
  );

  const args = launcherArgs(opts, topicsPath);
  let child: ChildProcess | undefined;
  let tail: () => string;
  const logFile = detached ? path.join(stateDir, 'broker.log') : null;
  try {
    if (logFile) {
      const logFd = fs.openSync(logFile, 'a');
      try {
        child = spawn(binary, args, { detached: true, stdio: ['ignore', 'pipe', logFd] });
      } finally {
        fs.closeSync(logFd);
      }
      tail = () => readFileTail(logFile);
    } else {
      child = spawn(binary, [...args, '--watch-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
      tail = tailLines(child.stderr, 40, opts.onLog);
    }
    const ready = await waitForReady(child, opts.readyTimeoutMs ?? 15_000, tail).catch(
      (e: unknown) => {
        child?.kill('SIGKILL'); // e.g. garbage on stdout: don't leave it running
        throw e;
      },
    );
    const bootstrap = ready.bootstrap.split(',');
    const pid = ready.pid;

    if (writeState) {
      const state: DevBrokerState = {
        pid,
        bootstrap,
        control: ready.control,
        brokers: ready.brokers,
        logFile,
        startedAt: new Date().toISOString(),
      };
      fs.writeFileSync(stateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);
    }
    if (detached) {
      child.stdout?.destroy();
      child.unref();
      return connectDevBroker(stateDir);
    }

    const proc = child;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    let stopping: Promise<void> | undefined;
    return {
      bootstrap,
      controlAddress: ready.control,
      pid,
      ...controlApi(ready.control),
      stop: () => {
        stopping ??= (async () => {
          if (proc.exitCode === null && proc.signalCode === null) {
            proc.kill('SIGTERM');
            const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
          }
          proc.stdin?.destroy();
          if (writeState) fs.rmSync(stateFile(stateDir), { force: true });
        })();
        return stopping;
      },
    };
  } finally {
    fs.rmSync(topicsPath, { force: true }); // the launcher reads it before printing its ready line
  }
}
