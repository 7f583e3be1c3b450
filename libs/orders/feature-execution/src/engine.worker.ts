/**
 * Worker-thread entry: one EngineWorkerCore fed through the transport the pool chose. No Nest,
 * no Kafka, no logger: the thread only matches.
 *
 * Ring transport: a synchronous loop that never returns to the event loop. It blocks in
 * Atomics.wait when the command ring is empty (a futex wake-up is ~10x faster than a trip
 * through the event loop with waitAsync) and takes control messages (snapshot, restore) with
 * receiveMessageOnPort between ring passes; the pool wakes it after posting one.
 * Batch transport: event-driven, one message per batch.
 */
import {
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
  workerData,
} from 'node:worker_threads';

import { type BookSnapshot } from '@meridian/orders-domain';

import { EngineWorkerCore } from './engine-worker.core';
import { CMD_SLOTS, EVT_SLOTS } from './record-layout';
import { SpscRing } from './spsc-ring';
import { parseWorkerInit, type WorkerReply, type WorkerRequest } from './worker-protocol';

const init = parseWorkerInit(workerData);
if (parentPort === null) throw new Error('engine.worker.ts must run in a worker thread');
const port: MessagePort = parentPort;

const core = new EngineWorkerCore(init.instruments, init.owned, {
  tradingDayEndMs: init.tradingDayEndMs,
});
/** Records processed between two flushes of the event ring (bounds event latency). */
const CHUNK = 256;
/** Longest sleep on an empty ring: bounds how late a control message is seen. */
const IDLE_WAIT_MS = 20;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function handle(raw: unknown): void {
  const message = raw as WorkerRequest;
  switch (message.type) {
    case 'batch': {
      const f64 = new Float64Array(message.buffer, 0, message.count * CMD_SLOTS);
      core.processRecords(f64, new Uint8Array(message.buffer), 0, message.count, CMD_SLOTS);
      const events = core.out.f64.slice(0, core.out.count * EVT_SLOTS);
      const count = core.out.count;
      core.out.clear();
      reply({ type: 'events', buffer: events.buffer, count, returned: message.buffer }, [
        events.buffer,
        message.buffer,
      ]);
      return;
    }
    case 'snapshot':
      reply({ type: 'snapshot', id: message.id, books: core.snapshot() });
      return;
    case 'restore':
      core.restore(message.books as BookSnapshot[]);
      reply({ type: 'restored', id: message.id });
      return;
    case 'crash':
      // Chaos hook: the pool's supervision (restart + rebuild) is tested through it.
      throw new Error(`worker ${init.index} crashed on request`);
  }
}

function flushEvents(events: SpscRing): void {
  const out = core.out;
  let from = 0;
  while (from < out.count) {
    const n = Math.min(events.free(), out.count - from);
    if (n === 0) {
      events.waitForSpace(IDLE_WAIT_MS);
      continue;
    }
    events.write(out.f64, from, n);
    from += n;
  }
  out.clear();
}

function ringLoop(commands: SpscRing, events: SpscRing): never {
  for (;;) {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port))
      handle(m.message);
    let n = commands.available();
    if (n === 0) {
      // A short spin catches the next batch without a futex round trip.
      for (let i = 0; i < init.spin && n === 0; i++) n = commands.available();
      if (n === 0) {
        commands.waitForData(IDLE_WAIT_MS);
        continue;
      }
    }
    let head = commands.head();
    while (n > 0) {
      const run = Math.min(n, CHUNK);
      for (let i = 0; i < run; i++) {
        core.processRecord(commands.f64, commands.u8, commands.slotOf(head));
        head = (head + 1) | 0;
      }
      commands.release(head);
      n -= run;
      flushEvents(events);
    }
  }
}

reply({ type: 'ready' });
if (init.transport === 'ring') {
  const commands = new SpscRing(init.commandRing, CMD_SLOTS);
  const events = new SpscRing(init.eventRing, EVT_SLOTS);
  // Start after the 'ready' message has left (the loop never yields to the event loop).
  setImmediate(() => ringLoop(commands, events));
} else {
  port.on('message', handle);
}
