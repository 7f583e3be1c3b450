import { type BookSnapshot, type InstrumentSpec } from '@meridian/orders-domain';
import { z } from 'zod';

/** How command and event records travel between the pool and a worker (ADR 0005). */
export type WorkerTransportKind = 'ring' | 'batch';

/** What a worker thread is started with (its `workerData`). */
export type WorkerInit = {
  readonly index: number;
  readonly instruments: readonly InstrumentSpec[];
  /** Global indexes of the symbols this worker owns. */
  readonly owned: readonly number[];
  /** Ring transport: spin iterations before sleeping on an empty command ring. */
  readonly spin: number;
  /** End of the trading day, ms after UTC midnight (DAY orders expire there). */
  readonly tradingDayEndMs: number;
} & (
  | {
      readonly transport: 'ring';
      readonly commandRing: SharedArrayBuffer;
      readonly eventRing: SharedArrayBuffer;
    }
  | { readonly transport: 'batch' }
);

const instrumentSchema = z.object({
  symbol: z.string(),
  tickSize: z.string(),
  lotSize: z.string(),
  minPrice: z.string(),
  maxPrice: z.string(),
  currencyDecimals: z.number(),
});

const common = {
  index: z.number().int().nonnegative(),
  instruments: z.array(instrumentSchema),
  owned: z.array(z.number().int().nonnegative()),
  spin: z.number().int().nonnegative(),
  tradingDayEndMs: z.number().int().min(0).max(86_399_999),
};

const initSchema = z.discriminatedUnion('transport', [
  z.object({
    ...common,
    transport: z.literal('ring'),
    commandRing: z.instanceof(SharedArrayBuffer),
    eventRing: z.instanceof(SharedArrayBuffer),
  }),
  z.object({ ...common, transport: z.literal('batch') }),
]);

/** Validates `workerData` (it crosses a structured-clone boundary, so it is untyped). */
export function parseWorkerInit(data: unknown): WorkerInit {
  return initSchema.parse(data);
}

/** Pool -> worker. */
export type WorkerRequest =
  | { readonly type: 'batch'; readonly buffer: ArrayBuffer; readonly count: number }
  | { readonly type: 'snapshot'; readonly id: number }
  | { readonly type: 'restore'; readonly id: number; readonly books: readonly BookSnapshot[] }
  | { readonly type: 'crash' };

/** Worker -> pool. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | {
      readonly type: 'events';
      readonly buffer: ArrayBuffer;
      readonly count: number;
      readonly returned: ArrayBuffer;
    }
  | { readonly type: 'snapshot'; readonly id: number; readonly books: readonly BookSnapshot[] }
  | { readonly type: 'restored'; readonly id: number };
