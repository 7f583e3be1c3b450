import { marketdata } from '@meridian/contracts';
import { SlowConsumerError, StreamSymbolsInvalidError } from './market-data-api.error';
import { StreamTicksUseCase, type TickStreamCall } from './stream-ticks.usecase';
import { ManualTickHub } from './testing';

class FakeCall implements TickStreamCall {
  readonly written: marketdata.StreamTicksResponse[] = [];
  accept = true;
  failed: Error | undefined;
  private drain: (() => void) | undefined;
  private cancel: (() => void) | undefined;

  write(response: marketdata.StreamTicksResponse): boolean {
    this.written.push(response);
    return this.accept;
  }
  onDrain(listener: () => void): void {
    this.drain = listener;
  }
  onCancel(listener: () => void): void {
    this.cancel = listener;
  }
  fail(error: Error): void {
    this.failed = error;
  }
  emitDrain(): void {
    this.accept = true;
    const listener = this.drain;
    this.drain = undefined;
    listener?.();
  }
  emitCancel(): void {
    this.cancel?.();
  }
}

const tick = (symbol: string, sequence: bigint) =>
  marketdata.Tick.fromPartial({
    symbol,
    source: 's',
    sequence,
    exchangeTimeUnixNanos: 1n,
    receivedTimeUnixNanos: 1n,
  });

describe('StreamTicksUseCase', () => {
  it('forwards only the requested symbols, in order, queueing while the transport is full', () => {
    const hub = new ManualTickHub();
    const useCase = new StreamTicksUseCase(hub, { maxSymbols: 5, maxQueuedTicks: 10 });
    const call = new FakeCall();
    useCase.execute({ symbols: ['AAA', 'AAA'] }, call);
    hub.publish(tick('AAA', 1n));
    hub.publish(tick('BBB', 2n));
    call.accept = false;
    hub.publish(tick('AAA', 3n)); // written, transport now full
    hub.publish(tick('AAA', 4n)); // queued
    hub.publish(tick('AAA', 5n)); // queued
    expect(call.written.map((r) => r.tick?.sequence)).toEqual([1n, 3n]);
    call.emitDrain();
    expect(call.written.map((r) => r.tick?.sequence)).toEqual([1n, 3n, 4n, 5n]);
    expect(call.failed).toBeUndefined();
    call.emitCancel();
    expect(hub.size).toBe(0);
    expect(useCase.openStreams).toBe(0);
  });

  it('cuts a subscriber whose queue passes the limit with MARKETDATA_SLOW_CONSUMER', () => {
    const hub = new ManualTickHub();
    const useCase = new StreamTicksUseCase(hub, { maxSymbols: 5, maxQueuedTicks: 3 });
    const call = new FakeCall();
    call.accept = false;
    useCase.execute({ symbols: ['AAA'] }, call);
    for (let i = 1n; i <= 5n; i += 1n) hub.publish(tick('AAA', i));
    expect(call.failed).toBeInstanceOf(SlowConsumerError);
    expect((call.failed as SlowConsumerError).code).toBe('MARKETDATA_SLOW_CONSUMER');
    expect(hub.size).toBe(0);
    expect(hub.publish(tick('AAA', 6n))).toBe(0);
  });

  it.each([
    [[], 'at least one symbol'],
    [['A', 'B', 'C', 'D', 'E', 'F'], 'at most 5'],
    [['A', ''], 'malformed'],
  ])('refuses %j', (symbols, message) => {
    const useCase = new StreamTicksUseCase(new ManualTickHub(), {
      maxSymbols: 5,
      maxQueuedTicks: 3,
    });
    expect(() => useCase.execute({ symbols }, new FakeCall())).toThrow(StreamSymbolsInvalidError);
    expect(() => useCase.execute({ symbols }, new FakeCall())).toThrow(message);
  });
});
