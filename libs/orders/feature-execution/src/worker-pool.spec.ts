import { EngineWorkerCore } from './engine-worker.core';
import { WorkerCrashedError } from './execution.error';
import { CB, CMD_KIND, CMD_SLOTS, CS, EVT_SLOTS, RecordBuffer } from './record-layout';
import { TEST_INSTRUMENTS } from './testing';
import { assignSymbols, WorkerPool } from './worker-pool';

/** Alternating buys and sells at crossing prices on every symbol: accepts, trades and fills. */
function records(count: number): RecordBuffer {
  const rec = new RecordBuffer(CMD_SLOTS, count);
  for (let i = 0; i < count; i++) {
    const at = rec.append();
    rec.u8[at * 8 + CB.KIND] = CMD_KIND.NEW;
    rec.u8[at * 8 + CB.SIDE] = i % 2;
    rec.f64[at + CS.TAG] = i;
    rec.f64[at + CS.SYMBOL] = i % TEST_INSTRUMENTS.length;
    rec.f64[at + CS.ORDER_ID] = i + 1;
    rec.f64[at + CS.ACCOUNT] = i % 3;
    rec.f64[at + CS.PRICE] = 10_000 + ((i * 7) % 5);
    rec.f64[at + CS.QUANTITY] = 1 + (i % 4);
    rec.f64[at + CS.STOP_PRICE] = NaN;
    rec.f64[at + CS.DISPLAY] = NaN;
    rec.f64[at + CS.TIME] = NaN;
  }
  return rec;
}

/** Events per symbol as the engine alone produces them (the reference). */
function expectedPerSymbol(rec: RecordBuffer): Map<number, number[][]> {
  const core = new EngineWorkerCore(
    TEST_INSTRUMENTS,
    TEST_INSTRUMENTS.map((_, i) => i),
  );
  core.processRecords(rec.f64, rec.u8, 0, rec.count, CMD_SLOTS);
  return groupBySymbol(core.out.f64, core.out.count);
}

function groupBySymbol(f64: Float64Array, count: number): Map<number, number[][]> {
  const out = new Map<number, number[][]>();
  for (let i = 0; i < count; i++) {
    const row = [...f64.subarray(i * EVT_SLOTS, (i + 1) * EVT_SLOTS)];
    const symbol = row[2] as number;
    out.set(symbol, [...(out.get(symbol) ?? []), row]);
  }
  return out;
}

async function run(pool: WorkerPool, rec: RecordBuffer): Promise<void> {
  const per = Array.from({ length: pool.workerCount }, () => new RecordBuffer(CMD_SLOTS));
  for (let r = 0; r < rec.count; r++)
    per[pool.ownerOf(r % TEST_INSTRUMENTS.length)]?.appendFrom(rec.f64, r, 1);
  await Promise.all(per.map((b, w) => pool.send(w, b.f64, 0, b.count)));
  await pool.flush();
}

describe('WorkerPool', () => {
  it('deals symbols round-robin so each has exactly one owner', () => {
    expect(assignSymbols(5, 2)).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(assignSymbols(2, 3)).toEqual([[0], [1], []]);
  });

  it.each(['ring', 'batch'] as const)(
    '%s transport: every event comes back, per symbol identical to a single engine',
    async (transport) => {
      const rec = records(5000);
      const got = new RecordBuffer(EVT_SLOTS);
      // A small ring forces back-pressure and wrap-around on both rings.
      const pool = await WorkerPool.start({
        instruments: TEST_INSTRUMENTS,
        workers: 2,
        transport,
        ringCapacity: 64,
        onEvent: (_w, f64, _u8, base) => got.appendFrom(f64, base / EVT_SLOTS, 1),
      });
      try {
        await run(pool, rec);
        expect(groupBySymbol(got.f64, got.count)).toEqual(expectedPerSymbol(rec));
        // Snapshot/restore round trip into a fresh worker keeps the books.
        const books = await pool.snapshot(0);
        await pool.restartWorker(0);
        await pool.restore(0, books);
        expect(await pool.snapshot(0)).toEqual(books);
      } finally {
        await pool.close();
      }
    },
  );

  it('reports a crashed worker, fails its pending barrier and can restart it', async () => {
    const exits: number[] = [];
    const pool = await WorkerPool.start({
      instruments: TEST_INSTRUMENTS,
      workers: 2,
      onEvent: () => undefined,
      onWorkerExit: (w) => exits.push(w),
    });
    try {
      pool.crash(1);
      await expect(pool.flush([1])).rejects.toBeInstanceOf(WorkerCrashedError);
      expect(exits).toEqual([1]);
      expect(pool.isAlive(1)).toBe(false);
      await expect(pool.send(1, new Float64Array(CMD_SLOTS), 0, 1)).rejects.toBeInstanceOf(
        WorkerCrashedError,
      );
      await pool.restartWorker(1);
      await pool.flush();
      expect(pool.isAlive(1)).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
