/**
 * Test helpers of the ingestion lib (its specs and the ingestor app's). Specs only.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type marketdata } from '@meridian/contracts';
import { devBrokerControl } from '@meridian/kafka-dev-broker';
import { kafkaControlAddress, uniqueName } from '@meridian/shared-testing';
import { type Kafka } from 'kafkajs';
import { WebSocketServer, type WebSocket } from 'ws';
import { type FeedSink } from './feed-adapter';
import { type FieldMapping } from './field-mapping';
import { type Scheduler } from './scheduler';
import { lastPriceTopic, ticksTopic } from './tick-publisher';

/** Fixture files of this lib (recorded provider messages, replay files). */
export const FIXTURES_DIR = join(__dirname, '__fixtures__');

/** Field mapping of the recorded provider in `__fixtures__/ws-recorded.jsonl`. */
export const RECORDED_WS_MAPPING: FieldMapping = {
  symbol: 's',
  bidPrice: 'b',
  bidSize: 'bs',
  askPrice: 'a',
  askSize: 'as',
  lastPrice: 'p',
  lastSize: 'q',
  sequence: 'seq',
  time: 'ts',
  timeUnit: 'ms',
};

/** Time that moves only when told to; `sleep` records the wait and advances time by it. */
export class ManualScheduler implements Scheduler {
  readonly sleeps: number[] = [];
  constructor(public current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    if (ms > 0) this.current += ms;
    return Promise.resolve();
  }
}

/** A FeedSink that keeps everything it is given. */
export class RecordingSink implements FeedSink {
  readonly ticks: marketdata.Tick[] = [];
  readonly undecodables: string[] = [];
  readonly connections: { connected: boolean; detail: string | undefined }[] = [];
  tick(tick: marketdata.Tick): void {
    this.ticks.push(tick);
  }
  undecodable(detail: string): void {
    this.undecodables.push(detail);
  }
  connection(connected: boolean, detail?: string): void {
    this.connections.push({ connected, detail });
  }
}

export interface RecordedWsServerOptions {
  /** JSON Lines file: one recorded provider message per line (sent as is, including bad ones). */
  readonly fixture: string;
  /** Pause between messages. Default 5 ms. */
  readonly intervalMs?: number;
  /**
   * Keep replaying the recording; each round adds round x (messages) to the number at
   * `sequenceKey` of every record in `recordsKey`, so sequences keep increasing. Default false.
   */
  readonly loop?: { readonly recordsKey: string; readonly sequenceKey: string };
  /** Port to listen on (restart on the same port); default a free one. */
  readonly port?: number;
}

/**
 * A local WebSocket provider on 127.0.0.1 that replays recorded messages to every client and
 * records what clients send (subscribe requests). `close()` drops every client (a provider
 * outage); `restart()` listens again on the same port.
 */
export class RecordedWsServer {
  readonly received: string[] = [];
  connections = 0;
  private server: WebSocketServer | undefined;
  private readonly lines: string[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private boundPort = 0;

  private constructor(private readonly options: RecordedWsServerOptions) {
    this.lines = readFileSync(options.fixture, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
  }

  static async start(options: RecordedWsServerOptions): Promise<RecordedWsServer> {
    const server = new RecordedWsServer(options);
    await server.listen(options.port ?? 0);
    return server;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.boundPort}`;
  }

  async restart(): Promise<void> {
    await this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = new WebSocketServer({ host: '127.0.0.1', port });
      server.once('error', reject);
      server.once('listening', () => {
        this.boundPort = (server.address() as AddressInfo).port;
        this.server = server;
        resolve();
      });
      server.on('connection', (socket) => this.serve(socket));
    });
  }

  private serve(socket: WebSocket): void {
    this.connections += 1;
    socket.on('message', (data: Buffer) => this.received.push(data.toString('utf8')));
    let index = 0;
    const timer = setInterval(() => {
      if (socket.readyState !== socket.OPEN) {
        clearInterval(timer);
        this.timers.delete(timer);
        return;
      }
      const round = Math.floor(index / this.lines.length);
      if (round > 0 && this.options.loop === undefined) {
        clearInterval(timer);
        this.timers.delete(timer);
        return;
      }
      const line = this.lines[index % this.lines.length] ?? '';
      index += 1;
      socket.send(round === 0 ? line : this.shift(line, round));
    }, this.options.intervalMs ?? 5);
    this.timers.add(timer);
    socket.on('close', () => {
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }

  /** The recorded message with its sequences moved forward by `round` recordings. */
  private shift(line: string, round: number): string {
    const loop = this.options.loop;
    if (loop === undefined) return line;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return line;
    }
    if (typeof message !== 'object' || message === null) return line;
    const records = (message as Record<string, unknown>)[loop.recordsKey];
    if (!Array.isArray(records)) return line;
    for (const record of records as Record<string, unknown>[]) {
      const value = record[loop.sequenceKey];
      if (typeof value === 'number') record[loop.sequenceKey] = value + round * this.lines.length;
    }
    return JSON.stringify(message);
  }
}

/** Fresh ticks and last-price topics on the dev broker (unique names). */
export async function createMarketDataTestTopics(
  prefix: string,
  partitions = 3,
): Promise<{ ticks: string; lastPrice: string }> {
  const control = devBrokerControl(kafkaControlAddress());
  const base = uniqueName(prefix).replaceAll('_', '-');
  const topics = { ticks: `${base}.ticks`, lastPrice: `${base}.last-price` };
  for (const name of Object.values(topics))
    await control.createTopic({ name, partitions, replicationFactor: 3 });
  return topics;
}

/** A record read back from a topic: key, decoded value, partition. */
export interface ReadRecord<T> {
  readonly key: string;
  readonly value: T;
  readonly partition: number;
}

async function readAll<T>(
  kafka: Kafka,
  topic: string,
  decode: (bytes: Uint8Array) => T,
  expected: (records: readonly ReadRecord<T>[]) => boolean,
  timeoutMs: number,
): Promise<ReadRecord<T>[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('md-read'),
    sessionTimeout: 3000,
    rebalanceTimeout: 3000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  const records: ReadRecord<T>[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    await consumer.run({
      eachMessage: ({ message, partition }) => {
        records.push({
          key: message.key?.toString('utf8') ?? '',
          value: decode(message.value ?? Buffer.alloc(0)),
          partition,
        });
        if (expected(records)) resolveDone();
        return Promise.resolve();
      },
    });
    const timer = setTimeout(resolveDone, timeoutMs);
    await done;
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Reads ticks from `topic` until `expected` holds (or `timeoutMs`). */
export function readTicks(
  kafka: Kafka,
  topic: string,
  expected: (records: readonly ReadRecord<marketdata.Tick>[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReadRecord<marketdata.Tick>[]> {
  const codec = ticksTopic(topic).codec;
  return readAll(kafka, topic, (bytes) => codec.decode(bytes), expected, timeoutMs);
}

/** Reads last prices from `topic` until `expected` holds (or `timeoutMs`). */
export function readLastPrices(
  kafka: Kafka,
  topic: string,
  expected: (records: readonly ReadRecord<marketdata.LastPrice>[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReadRecord<marketdata.LastPrice>[]> {
  const codec = lastPriceTopic(topic).codec;
  return readAll(kafka, topic, (bytes) => codec.decode(bytes), expected, timeoutMs);
}
