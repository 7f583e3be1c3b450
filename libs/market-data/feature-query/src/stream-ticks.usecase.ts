import type { marketdata } from '@meridian/contracts';
import { SYMBOL_PATTERN } from '@meridian/market-data-domain';
import { SlowConsumerError, StreamSymbolsInvalidError } from './market-data-api.error';
import type { TickStreamHub } from './tick-stream.hub';

/** The gRPC call as the use case needs it (grpc-js ServerWritableStream behind it). */
export interface TickStreamCall {
  /** false when the transport buffer is full: wait for `onDrain`. */
  write(response: marketdata.StreamTicksResponse): boolean;
  onDrain(listener: () => void): void;
  onCancel(listener: () => void): void;
  fail(error: Error): void;
}

export interface StreamTicksLimits {
  readonly maxSymbols: number;
  /** Ticks queued for one client beyond what the transport holds; more cuts the stream. */
  readonly maxQueuedTicks: number;
}

/**
 * StreamTicks: validates the symbols, then forwards the hub's ticks of those symbols. Writes
 * follow grpc-js back-pressure; a client whose queue passes `maxQueuedTicks` is cut with
 * RESOURCE_EXHAUSTED (MARKETDATA_SLOW_CONSUMER) rather than growing this process's memory.
 */
export class StreamTicksUseCase {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly hub: Pick<TickStreamHub, 'subscribe'>,
    private readonly limits: StreamTicksLimits,
  ) {}

  execute(request: marketdata.StreamTicksRequest, call: TickStreamCall): void {
    const symbols = [...new Set(request.symbols)];
    if (symbols.length === 0)
      throw new StreamSymbolsInvalidError('at least one symbol is required');
    if (symbols.length > this.limits.maxSymbols)
      throw new StreamSymbolsInvalidError(
        `${symbols.length} symbols, at most ${this.limits.maxSymbols} per stream`,
      );
    const bad = symbols.find((symbol) => !SYMBOL_PATTERN.test(symbol));
    if (bad !== undefined)
      throw new StreamSymbolsInvalidError(`"${bad.slice(0, 40)}" is empty or malformed`);

    const queue: marketdata.Tick[] = [];
    let blocked = false;
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      unsubscribe();
      this.open.delete(closeNow);
      if (error !== undefined) call.fail(error);
    };
    const closeNow = (): void => finish(new Error('closed'));
    const flush = (): void => {
      blocked = false;
      while (!done && queue.length > 0) {
        const tick = queue.shift() as marketdata.Tick;
        if (!call.write({ tick })) {
          blocked = true;
          call.onDrain(flush);
          return;
        }
      }
    };
    const unsubscribe = this.hub.subscribe(symbols, {
      push: (tick) => {
        if (done) return false;
        if (!blocked) {
          if (!call.write({ tick })) {
            blocked = true;
            call.onDrain(flush);
          }
          return true;
        }
        queue.push(tick);
        if (queue.length > this.limits.maxQueuedTicks) {
          finish(new SlowConsumerError(queue.length));
          return false;
        }
        return true;
      },
      close: (error) => finish(error),
    });
    this.open.add(closeNow);
    call.onCancel(() => finish());
  }

  get openStreams(): number {
    return this.open.size;
  }
}
