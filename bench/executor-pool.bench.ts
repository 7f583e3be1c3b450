/**
 * Executor worker-pool benchmark: command records in, event records out, through 1..4 worker
 * threads, for both transports (SharedArrayBuffer SPSC rings and transferable-buffer batches
 * over postMessage). ADR 0005 records the results.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register bench/executor-pool.bench.ts \
 *     [--ops 1000000] [--runs 5] [--symbols 8] [--chunk 4096] [--workers 1,2,3,4] [--rates 100000,500000] [--quick]
 *   (or: npx nx run executor:bench-pool)
 *
 * Throughput: a seeded flow over 8 symbols (executor-workload.ts) is routed on the main thread
 * (symbol -> owning worker, copied into per-worker buffers, as the executor does), sent in
 * chunks, with a barrier every 4 chunks; the clock stops when every event has come back to the
 * main thread and been read. A fresh pool per run (books start empty; order ids repeat per run).
 * Latency: the same flow offered at a fixed rate; per command, time from its SCHEDULED send time
 * (no coordinated omission) to the arrival of its first event on the main thread.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import {
  CMD_SLOTS,
  CS,
  ES,
  RecordBuffer,
  WorkerPool,
  type WorkerTransportKind,
} from '@meridian/orders-feature-execution';

import { benchInstruments, generateRecords } from './executor-workload';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
const OPS = Number(arg('ops', quick ? '300000' : '1000000'));
const RUNS = Number(arg('runs', quick ? '2' : '5'));
const SYMBOLS = Number(arg('symbols', '8'));
const CHUNK = Number(arg('chunk', '4096'));
const WORKERS = arg('workers', '1,2,3,4').split(',').map(Number);
const RATES = arg('rates', '100000,500000').split(',').map(Number);
const TRANSPORTS = arg('transports', 'ring,batch').split(',') as WorkerTransportKind[];
const LATENCY_OPS = quick ? 100_000 : 300_000;

const instruments = benchInstruments(SYMBOLS);
const stream = generateRecords(instruments, OPS, 42);
const latencyStream = generateRecords(instruments, LATENCY_OPS, 7);

interface Sink {
  events: number;
  firstEventAt: Float64Array | undefined;
}

async function startPool(
  transport: WorkerTransportKind,
  workers: number,
  sink: Sink,
): Promise<WorkerPool> {
  return WorkerPool.start({
    instruments,
    workers,
    transport,
    onEvent: (_w, f64, _u8, base) => {
      sink.events++;
      const seen = sink.firstEventAt;
      if (seen !== undefined) {
        const tag = f64[base + ES.TAG] as number;
        if (Number.isNaN(seen[tag])) seen[tag] = performance.now();
      }
    },
  });
}

/** Routes records [from, to) to their owners and sends them. */
async function route(
  pool: WorkerPool,
  rec: RecordBuffer,
  from: number,
  to: number,
  perWorker: RecordBuffer[],
): Promise<void> {
  for (let r = from; r < to; r++) {
    const w = pool.ownerOf(rec.f64[r * CMD_SLOTS + CS.SYMBOL] as number);
    (perWorker[w] as RecordBuffer).appendFrom(rec.f64, r, 1);
  }
  for (let w = 0; w < perWorker.length; w++) {
    const buf = perWorker[w] as RecordBuffer;
    if (buf.count > 0) await pool.send(w, buf.f64, 0, buf.count);
    buf.clear();
  }
}

async function throughputRun(
  transport: WorkerTransportKind,
  workers: number,
): Promise<{ opsPerSec: number; eventsPerOp: number }> {
  const sink: Sink = { events: 0, firstEventAt: undefined };
  const pool = await startPool(transport, workers, sink);
  const perWorker = Array.from({ length: workers }, () => new RecordBuffer(CMD_SLOTS, CHUNK));
  try {
    const t0 = performance.now();
    let chunks = 0;
    for (let from = 0; from < stream.count; from += CHUNK) {
      await route(pool, stream, from, Math.min(stream.count, from + CHUNK), perWorker);
      if (++chunks % 4 === 0) await pool.flush();
    }
    await pool.flush();
    const seconds = (performance.now() - t0) / 1000;
    return { opsPerSec: stream.count / seconds, eventsPerOp: sink.events / stream.count };
  } finally {
    await pool.close();
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function latencyRun(
  transport: WorkerTransportKind,
  workers: number,
  rate: number,
): Promise<{ p50: number; p99: number; p999: number; max: number }> {
  const n = latencyStream.count;
  const sink: Sink = { events: 0, firstEventAt: new Float64Array(n).fill(NaN) };
  const pool = await startPool(transport, workers, sink);
  const perWorker = Array.from({ length: workers }, () => new RecordBuffer(CMD_SLOTS, 1024));
  try {
    const t0 = performance.now() + 5;
    let sent = 0;
    while (sent < n) {
      const due = Math.min(n, Math.floor(((performance.now() - t0) * rate) / 1000));
      if (due > sent) {
        await route(pool, latencyStream, sent, due, perWorker);
        sent = due;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await pool.flush();
    const lat = new Float64Array(n);
    const seen = sink.firstEventAt as Float64Array;
    for (let i = 0; i < n; i++) lat[i] = (seen[i] as number) - (t0 + (i * 1000) / rate);
    lat.sort();
    return {
      p50: percentile(lat, 0.5) * 1000,
      p99: percentile(lat, 0.99) * 1000,
      p999: percentile(lat, 0.999) * 1000,
      max: (lat[n - 1] as number) * 1000,
    };
  } finally {
    await pool.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const results: Record<string, unknown>[] = [];
  await throughputRun('ring', 1); // warm-up (JIT of the main-thread path)
  for (const transport of TRANSPORTS) {
    for (const workers of WORKERS) {
      const runs: number[] = [];
      let eventsPerOp = 0;
      for (let r = 0; r < RUNS; r++) {
        const res = await throughputRun(transport, workers);
        runs.push(res.opsPerSec);
        eventsPerOp = res.eventsPerOp;
      }
      const latency: Record<string, unknown>[] = [];
      for (const rate of RATES)
        latency.push({ rate, ...(await latencyRun(transport, workers, rate)) });
      const row = {
        transport,
        workers,
        medianOpsPerSec: median(runs),
        minOpsPerSec: Math.min(...runs),
        maxOpsPerSec: Math.max(...runs),
        runs,
        eventsPerOp,
        latencyMicros: latency,
      };
      results.push(row);
      process.stdout.write(
        `${transport.padEnd(5)} workers=${workers}  median ${(median(runs) / 1e6).toFixed(2)}M ops/s  (${(Math.min(...runs) / 1e6).toFixed(2)}-${(Math.max(...runs) / 1e6).toFixed(2)}M)  events/op ${eventsPerOp.toFixed(2)}  ` +
          latency
            .map(
              (l) =>
                `@${Number(l['rate']) / 1000}k/s p50 ${Number(l['p50']).toFixed(0)}us p99 ${Number(l['p99']).toFixed(0)}us p99.9 ${Number(l['p999']).toFixed(0)}us`,
            )
            .join('  ') +
          '\n',
      );
    }
  }
  const out = {
    bench: 'executor-pool',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().map((c) => c.model),
    loadavg: loadavg(),
    ops: OPS,
    runs: RUNS,
    symbols: SYMBOLS,
    chunk: CHUNK,
    results,
  };
  writeFileSync(
    join(__dirname, 'results', 'executor-pool.json'),
    JSON.stringify(out, null, 2) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
