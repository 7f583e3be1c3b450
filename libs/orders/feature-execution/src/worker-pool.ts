import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { type BookSnapshot, type InstrumentSpec } from '@meridian/orders-domain';

import { WorkerCrashedError, WorkerPoolClosedError } from './execution.error';
import {
  CB,
  CMD_KIND,
  CMD_SLOTS,
  CS,
  EB,
  ES,
  EVT_BARRIER,
  EVT_SLOTS,
  RecordBuffer,
} from './record-layout';
import { SpscRing } from './spsc-ring';
import { DEFAULT_TRADING_DAY_END_UTC, parseTradingDayEnd } from './trading-day';
import { type WorkerInit, type WorkerReply, type WorkerTransportKind } from './worker-protocol';

/** Called for every event record, in the order its worker produced it. `base` is its first Float64 slot. */
export type EventRecordHandler = (
  worker: number,
  f64: Float64Array,
  u8: Uint8Array,
  base: number,
) => void;

export interface WorkerPoolOptions {
  /** Every instrument; records name symbols by their index in this list. */
  readonly instruments: readonly InstrumentSpec[];
  /** Worker threads (>= 1). */
  readonly workers: number;
  /** Default 'ring' (SharedArrayBuffer SPSC rings); 'batch' posts transferable buffers (ADR 0005). */
  readonly transport?: WorkerTransportKind;
  /** Ring capacity in records, a power of two. Default 16384 commands, 4x that for events. */
  readonly ringCapacity?: number;
  /** Spin iterations of a worker on an empty ring before it sleeps. Default 2000. */
  readonly spin?: number;
  /** End of the trading day in ms after UTC midnight (`parseTradingDayEnd`). Default 21:00. */
  readonly tradingDayEndMs?: number;
  readonly onEvent: EventRecordHandler;
  /** A worker died; the pool already failed its pending work. Restart it with `restartWorker`. */
  readonly onWorkerExit?: (worker: number, error: WorkerCrashedError) => void;
}

// Compiled builds (dist/, images) ship engine.worker.js and have no @swc-node at run time.
const COMPILED = __filename.endsWith('.js');
const WORKER_ENTRY = join(__dirname, COMPILED ? 'engine.worker.js' : 'engine.worker.ts');
// Worker threads run the TypeScript sources through swc-node like the service process does.
const SWC_PROJECT = join(__dirname, '..', '..', '..', '..', 'tsconfig.base.json');

interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** Symbols are dealt round-robin in configuration order: balanced and stable for a given config. */
export function assignSymbols(instrumentCount: number, workers: number): number[][] {
  const owned: number[][] = Array.from({ length: workers }, () => []);
  for (let i = 0; i < instrumentCount; i++) owned[i % workers]?.push(i);
  return owned;
}

class WorkerHandle {
  thread: Worker | undefined;
  alive = false;
  commandRing: SpscRing | undefined;
  eventRing: SpscRing | undefined;
  readonly barriers = new Map<number, Pending<void>>();
  readonly requests = new Map<number, Pending<BookSnapshot[]>>();
  /** Spare buffer for the batch transport (handed back by the worker). */
  spare: ArrayBuffer | undefined;
  generation = 0;

  constructor(
    readonly index: number,
    readonly owned: readonly number[],
  ) {}

  failAll(error: Error): void {
    for (const pending of this.barriers.values()) pending.reject(error);
    for (const pending of this.requests.values()) pending.reject(error);
    this.barriers.clear();
    this.requests.clear();
  }
}

/**
 * Worker threads that each own a fixed set of symbols and run a MatchingEngine over them.
 * Commands go in as fixed-layout records (record-layout.ts) through a per-worker transport and
 * events come back the same way; there is no postMessage per order. `flush()` is the batch
 * barrier: when it resolves, every event of every command sent before it has been handed to
 * `onEvent`. A worker that dies fails its pending work and is reported through `onWorkerExit`.
 */
export class WorkerPool {
  readonly transport: WorkerTransportKind;
  private readonly workers: WorkerHandle[];
  private readonly ownerOfSymbol: Int32Array;
  private readonly ringCapacity: number;
  private readonly spin: number;
  private readonly barrierRecord = new RecordBuffer(CMD_SLOTS, 1);
  private nextTag = 1;
  private closed = false;

  private constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
    this.transport = options.transport ?? 'ring';
    this.ringCapacity = options.ringCapacity ?? 16_384;
    this.spin = options.spin ?? 2000;
    const owned = assignSymbols(options.instruments.length, options.workers);
    this.workers = owned.map((symbols, i) => new WorkerHandle(i, symbols));
    this.ownerOfSymbol = new Int32Array(options.instruments.length);
    owned.forEach((symbols, w) => symbols.forEach((s) => (this.ownerOfSymbol[s] = w)));
  }

  /** Starts the worker threads and resolves once each one is ready. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      await Promise.all(pool.workers.map((w) => pool.spawn(w)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** The worker that owns symbol index `symbol`. */
  ownerOf(symbol: number): number {
    return this.ownerOfSymbol[symbol] ?? 0;
  }

  /** Global symbol indexes a worker owns. */
  symbolsOf(worker: number): readonly number[] {
    return this.handle(worker).owned;
  }

  isAlive(worker: number): boolean {
    return this.handle(worker).alive;
  }

  /**
   * Hands `count` command records of `records` (from record `from`) to `worker`. Resolves once
   * they are in the transport; with a full ring it waits for space (back-pressure).
   */
  async send(worker: number, records: Float64Array, from: number, count: number): Promise<void> {
    const w = this.live(worker);
    if (count === 0) return;
    if (this.transport === 'batch') {
      const bytes = count * CMD_SLOTS * 8;
      let buffer = w.spare;
      w.spare = undefined;
      if (buffer === undefined || buffer.byteLength < bytes)
        buffer = new ArrayBuffer(Math.max(bytes, 64 * 1024));
      new Float64Array(buffer).set(records.subarray(from * CMD_SLOTS, (from + count) * CMD_SLOTS));
      w.thread?.postMessage({ type: 'batch', buffer, count }, [buffer]);
      return;
    }
    const ring = w.commandRing;
    if (ring === undefined) throw new WorkerPoolClosedError();
    let done = 0;
    const generation = w.generation;
    while (done < count) {
      if (!w.alive || w.generation !== generation)
        throw new WorkerCrashedError(worker, new Error('worker died while commands were queued'));
      const n = Math.min(ring.free(), count - done);
      if (n === 0) {
        await ring.waitForSpaceAsync(50);
        continue;
      }
      ring.write(records, from + done, n);
      done += n;
    }
  }

  /** Resolves when every worker has answered a barrier sent after all commands sent so far. */
  async flush(workers: readonly number[] = this.workers.map((w) => w.index)): Promise<void> {
    await Promise.all(workers.map((w) => this.barrier(w)));
  }

  /** Book snapshots of the symbols `worker` owns; call between batches (after `flush`). */
  snapshot(worker: number): Promise<BookSnapshot[]> {
    const w = this.live(worker);
    const id = this.nextTag++;
    return new Promise<BookSnapshot[]>((resolve, reject) => {
      w.requests.set(id, { resolve, reject });
      w.thread?.postMessage({ type: 'snapshot', id });
      w.commandRing?.wakeConsumer();
    });
  }

  /** Restores books into `worker` (symbols it owns); call before sending it commands. */
  restore(worker: number, books: readonly BookSnapshot[]): Promise<void> {
    const w = this.live(worker);
    const id = this.nextTag++;
    return new Promise<void>((resolve, reject) => {
      w.requests.set(id, { resolve: () => resolve(), reject });
      w.thread?.postMessage({ type: 'restore', id, books });
      w.commandRing?.wakeConsumer();
    });
  }

  /** Replaces a dead (or live) worker with a fresh thread that has empty books. */
  async restartWorker(worker: number): Promise<void> {
    const w = this.handle(worker);
    if (this.closed) throw new WorkerPoolClosedError();
    w.alive = false;
    const old = w.thread;
    w.thread = undefined;
    if (old !== undefined) await old.terminate();
    await this.spawn(w);
  }

  /** Chaos hook: makes the worker throw an uncaught exception (tests of supervision). */
  crash(worker: number): void {
    const w = this.handle(worker);
    w.thread?.postMessage({ type: 'crash' });
    w.commandRing?.wakeConsumer();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.workers.map(async (w) => {
        w.alive = false;
        w.failAll(new WorkerPoolClosedError());
        const thread = w.thread;
        w.thread = undefined;
        if (thread !== undefined) await thread.terminate();
      }),
    );
  }

  private async barrier(worker: number): Promise<void> {
    const w = this.live(worker);
    const tag = this.nextTag++;
    const done = new Promise<void>((resolve, reject) => w.barriers.set(tag, { resolve, reject }));
    const rec = this.barrierRecord;
    rec.clear();
    const at = rec.append();
    rec.u8[at * 8 + CB.KIND] = CMD_KIND.BARRIER;
    rec.f64[at + CS.TAG] = tag;
    await this.send(worker, rec.f64, 0, 1);
    await done;
  }

  private handle(worker: number): WorkerHandle {
    const w = this.workers[worker];
    if (w === undefined) throw new RangeError(`no worker ${worker}`);
    return w;
  }

  private live(worker: number): WorkerHandle {
    if (this.closed) throw new WorkerPoolClosedError();
    const w = this.handle(worker);
    if (!w.alive) throw new WorkerCrashedError(worker, new Error('worker is not running'));
    return w;
  }

  private spawn(w: WorkerHandle): Promise<void> {
    const generation = ++w.generation;
    const base = {
      index: w.index,
      instruments: this.options.instruments,
      owned: w.owned,
      spin: this.spin,
      tradingDayEndMs:
        this.options.tradingDayEndMs ?? parseTradingDayEnd(DEFAULT_TRADING_DAY_END_UTC),
    };
    let init: WorkerInit;
    if (this.transport === 'ring') {
      const commandRing = SpscRing.allocate(CMD_SLOTS, this.ringCapacity);
      const eventRing = SpscRing.allocate(EVT_SLOTS, this.ringCapacity * 4);
      w.commandRing = new SpscRing(commandRing, CMD_SLOTS);
      w.eventRing = new SpscRing(eventRing, EVT_SLOTS);
      init = { ...base, transport: 'ring', commandRing, eventRing };
    } else {
      init = { ...base, transport: 'batch' };
    }
    const thread = new Worker(WORKER_ENTRY, {
      workerData: init,
      execArgv: COMPILED ? [] : ['-r', '@swc-node/register'],
      env: { ...process.env, SWC_NODE_PROJECT: SWC_PROJECT },
    });
    w.thread = thread;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const fail = (cause: unknown): void => {
        if (w.generation !== generation) return;
        const wasAlive = w.alive;
        w.alive = false;
        const error = new WorkerCrashedError(w.index, cause);
        w.failAll(error);
        if (!ready) reject(error);
        else if (wasAlive && !this.closed) this.options.onWorkerExit?.(w.index, error);
      };
      thread.on('error', fail);
      thread.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
      thread.on('message', (raw: unknown) => {
        const message = raw as WorkerReply;
        switch (message.type) {
          case 'ready':
            ready = true;
            w.alive = true;
            if (this.transport === 'ring') void this.pump(w, generation);
            resolve();
            return;
          case 'events': {
            w.spare = message.returned;
            const f64 = new Float64Array(message.buffer, 0, message.count * EVT_SLOTS);
            const u8 = new Uint8Array(message.buffer);
            for (let i = 0; i < message.count; i++) this.deliver(w, f64, u8, i * EVT_SLOTS);
            return;
          }
          case 'snapshot':
            w.requests.get(message.id)?.resolve([...message.books]);
            w.requests.delete(message.id);
            return;
          case 'restored':
            w.requests.get(message.id)?.resolve([]);
            w.requests.delete(message.id);
            return;
        }
      });
    });
  }

  private deliver(w: WorkerHandle, f64: Float64Array, u8: Uint8Array, base: number): void {
    if (u8[base * 8 + EB.TYPE] === EVT_BARRIER) {
      const tag = f64[base + ES.TAG] ?? NaN;
      w.barriers.get(tag)?.resolve();
      w.barriers.delete(tag);
      return;
    }
    this.options.onEvent(w.index, f64, u8, base);
  }

  private async pump(w: WorkerHandle, generation: number): Promise<void> {
    const ring = w.eventRing;
    if (ring === undefined) return;
    while (w.alive && w.generation === generation && !this.closed) {
      const n = ring.available();
      if (n === 0) {
        await ring.waitForDataAsync(100);
        continue;
      }
      let head = ring.head();
      for (let i = 0; i < n; i++) {
        this.deliver(w, ring.f64, ring.u8, ring.slotOf(head));
        head = (head + 1) | 0;
      }
      ring.release(head);
    }
  }
}
