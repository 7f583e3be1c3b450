import { InFlightGate } from './in-flight-gate';
import { MessagingConfigError } from './messaging.error';

describe('InFlightGate', () => {
  function gate(limit: number, low: number): { gate: InFlightGate; events: string[] } {
    const events: string[] = [];
    return {
      events,
      gate: new InFlightGate(limit, low, {
        onSaturated: () => events.push('saturated'),
        onDrained: () => events.push('drained'),
      }),
    };
  }

  it('signals saturation when a caller must wait, and drain at the low-water mark only', async () => {
    const { gate: g, events } = gate(3, 1);
    for (let i = 0; i < 3; i++) expect(await g.acquire(() => false)).toBe(true);
    expect(events).toEqual([]); // full, but nobody is waiting
    const fourth = g.acquire(() => false, 10_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['saturated']);
    g.release(); // the waiter takes the slot: still 3 in flight
    await expect(fourth).resolves.toBe(true);
    g.release();
    expect(events).toEqual(['saturated']); // 2 in flight: above the low-water mark
    g.release();
    expect(events).toEqual(['saturated', 'drained']);
    expect(g.current()).toBe(1);
    expect(g.peakInFlight()).toBe(3);
  });

  it('stays saturated while callers wait, however low in-flight falls', async () => {
    const { gate: g, events } = gate(2, 1);
    await g.acquire(() => false);
    await g.acquire(() => false);
    const third = g.acquire(() => false, 10_000);
    await new Promise((resolve) => setImmediate(resolve));
    g.release(); // 1 in flight, but the third caller still waits for its turn
    expect(events).toEqual(['saturated']);
    await third;
    g.release();
    g.release();
    expect(events).toEqual(['saturated', 'drained']);
  });

  it('never pauses a sequential caller that releases before acquiring again', async () => {
    const { gate: g, events } = gate(1, 0);
    for (let i = 0; i < 5; i++) {
      await g.acquire(() => false);
      g.release();
    }
    expect(events).toEqual([]);
  });

  it('makes a caller wait for a slot and hands it over on release', async () => {
    const { gate: g } = gate(1, 0);
    await g.acquire(() => false);
    let acquired = false;
    const waiting = g.acquire(() => false, 10_000).then((ok) => (acquired = ok));
    await new Promise((resolve) => setImmediate(resolve));
    expect(acquired).toBe(false);
    g.release();
    await waiting;
    expect(acquired).toBe(true);
    expect(g.current()).toBe(1);
  });

  it('gives up waiting when aborted and interrupted', async () => {
    const { gate: g } = gate(1, 0);
    await g.acquire(() => false);
    let abort = false;
    const waiting = g.acquire(() => abort, 10_000);
    abort = true;
    g.interrupt();
    await expect(waiting).resolves.toBe(false);
    expect(g.current()).toBe(1);
  });

  it('rejects bad limits and unbalanced release', () => {
    expect(() => gate(0, 0)).toThrow(MessagingConfigError);
    expect(() => gate(2, 2)).toThrow(MessagingConfigError);
    expect(() => gate(1, 0).gate.release()).toThrow(/without acquire/);
  });
});
