import WebSocket, { type RawData } from 'ws';
import { ExponentialBackoff, type BackoffOptions } from './backoff';
import { type FeedAdapter, type FeedSink } from './feed-adapter';
import { decodeRecord, type FieldMapping, LocalSequencer } from './field-mapping';
import { msToNanos, type Scheduler, systemScheduler } from './scheduler';
import { takeToken, TokenBucket } from './token-bucket';

export interface WsRateLimit {
  /** Connection attempts + subscribe messages allowed at once. */
  readonly capacity: number;
  /** ... and per second, sustained. */
  readonly refillPerSecond: number;
}

export interface WsFeedOptions {
  readonly source: string;
  /** ws:// or wss:// URL of the provider. */
  readonly url: string;
  readonly mapping: FieldMapping;
  /** Dotted path of the record array inside a message; default the message itself (object or array). */
  readonly recordsPath?: string;
  /** Only messages whose value at `path` equals `equals` carry ticks (skips heartbeats, acks). */
  readonly filter?: { readonly path: string; readonly equals: string };
  /** JSON messages sent after every (re)connect, e.g. the provider's subscribe request. */
  readonly subscribe?: readonly unknown[];
  readonly backoff?: BackoffOptions;
  /** The provider's limit on connects and subscribe requests. Default 5 at once, 1 per second. */
  readonly rateLimit?: WsRateLimit;
  /** Give up a connection attempt after this long. Default 5 s. */
  readonly connectTimeoutMs?: number;
  readonly scheduler?: Scheduler;
}

function lookup(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * A WebSocket JSON provider: connects, sends the subscribe messages, maps each record's fields
 * to a Tick. Reconnects forever with exponential backoff and jitter; every connection attempt
 * and subscribe message takes a token of the provider's rate limit first.
 */
export class WsFeedAdapter implements FeedAdapter {
  readonly source: string;
  private readonly scheduler: Scheduler;
  private readonly backoff: ExponentialBackoff;
  private readonly bucket: TokenBucket;
  private readonly sequencer = new LocalSequencer();
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private connected = false;
  private sessionDelivered = false;
  private attempts = 0;

  constructor(private readonly options: WsFeedOptions) {
    if (!/^wss?:\/\//.test(options.url)) throw new RangeError(`not a ws:// URL: ${options.url}`);
    this.source = options.source;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.backoff = new ExponentialBackoff(options.backoff);
    const limit = options.rateLimit ?? { capacity: 5, refillPerSecond: 1 };
    this.bucket = new TokenBucket({ ...limit, now: () => this.scheduler.now() });
  }

  /** Connection attempts so far (for tests and logs). */
  get connectionAttempts(): number {
    return this.attempts;
  }

  start(sink: FeedSink): void {
    if (this.running !== undefined) return;
    const abort = new AbortController();
    this.abort = abort;
    this.running = this.run(sink, abort.signal);
  }

  isConnected(): boolean {
    return this.connected;
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.running = undefined;
  }

  private async run(sink: FeedSink, signal: AbortSignal): Promise<void> {
    const sleep = (ms: number, s?: AbortSignal) => this.scheduler.sleep(ms, s);
    while (!signal.aborted) {
      if (!(await takeToken(this.bucket, sleep, signal))) return;
      this.attempts += 1;
      await this.connectOnce(sink, signal);
      if (signal.aborted) return;
      await sleep(this.backoff.next(), signal);
    }
  }

  /** One connection, from the attempt to its close. */
  private connectOnce(sink: FeedSink, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const socket = new WebSocket(this.options.url, {
        handshakeTimeout: this.options.connectTimeoutMs ?? 5_000,
      });
      const onAbort = (): void => socket.terminate();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('open', () => {
        this.connected = true;
        this.sessionDelivered = false;
        // A new provider session numbers its updates afresh.
        this.sequencer.reset();
        sink.connection(true);
        void this.sendSubscriptions(socket, signal);
      });
      socket.on('message', (data: RawData) => this.onMessage(data, sink));
      // 'error' is always followed by 'close'; the close handler does the bookkeeping.
      socket.on('error', () => undefined);
      socket.on('close', (code: number) => {
        signal.removeEventListener('abort', onAbort);
        if (this.connected) {
          this.connected = false;
          sink.connection(false, `closed with code ${code}`);
        }
        resolve();
      });
    });
  }

  private async sendSubscriptions(socket: WebSocket, signal: AbortSignal): Promise<void> {
    const sleep = (ms: number, s?: AbortSignal) => this.scheduler.sleep(ms, s);
    for (const message of this.options.subscribe ?? []) {
      if (!(await takeToken(this.bucket, sleep, signal))) return;
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify(message));
    }
  }

  private onMessage(data: RawData, sink: FeedSink): void {
    if (!this.sessionDelivered) {
      // Reset only once the provider delivers: one that accepts and drops at once keeps backing off.
      this.sessionDelivered = true;
      this.backoff.reset();
    }
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      sink.undecodable('message is not JSON');
      return;
    }
    const filter = this.options.filter;
    if (filter !== undefined && lookup(message, filter.path) !== filter.equals) return;
    const body =
      this.options.recordsPath === undefined ? message : lookup(message, this.options.recordsPath);
    const records: unknown[] = Array.isArray(body) ? body : [body];
    const received = msToNanos(this.scheduler.now());
    for (const record of records) {
      const decoded = decodeRecord(record, this.options.mapping, this.source, received);
      if (!decoded.ok) {
        sink.undecodable(decoded.error);
        continue;
      }
      if (!decoded.hasSequence) decoded.tick.sequence = this.sequencer.next(decoded.tick.symbol);
      sink.tick(decoded.tick);
    }
  }
}
