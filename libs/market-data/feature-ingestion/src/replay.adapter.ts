import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { type FeedAdapter, type FeedSink } from './feed-adapter';
import {
  decodeRecord,
  type FieldMapping,
  LocalSequencer,
  REPLAY_FIELD_MAPPING,
} from './field-mapping';
import { msToNanos, type Scheduler, systemScheduler } from './scheduler';

export type ReplayFormat = 'csv' | 'jsonl';

export interface ReplayFeedOptions {
  readonly source: string;
  readonly path: string;
  /** Default from the extension (.csv, otherwise JSONL). */
  readonly format?: ReplayFormat;
  /**
   * 1 replays at recorded pace, 10 ten times faster, 0.5 at half speed; 0 as fast as possible.
   * The wait before a record is (its time - previous record's time) / speed.
   */
  readonly speed: number;
  /** Default REPLAY_FIELD_MAPPING (snake_case columns, ISO `time`). */
  readonly mapping?: FieldMapping;
  /**
   * Stamp ticks with the replay time instead of the recorded time (live-looking freshness).
   * Default false: recorded times are kept, so bars built from a replay match the recording.
   */
  readonly retime?: boolean;
  readonly scheduler?: Scheduler;
}

/**
 * Replays a recorded file (CSV with a header row, or JSON Lines) at a speed factor. CSV fields
 * are plain comma-separated values (no quoting: prices, sizes, symbols and ISO times need none).
 * Connected from start to stop; after the last record it stays connected and silent, so a
 * finished replay shows up as a stale feed.
 */
export class ReplayFeedAdapter implements FeedAdapter {
  readonly source: string;
  private readonly scheduler: Scheduler;
  private readonly format: ReplayFormat;
  private readonly mapping: FieldMapping;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private connected = false;

  constructor(private readonly options: ReplayFeedOptions) {
    if (!(options.speed >= 0) || !Number.isFinite(options.speed))
      throw new RangeError('replay speed must be a finite number >= 0');
    this.source = options.source;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.format =
      options.format ?? (extname(options.path).toLowerCase() === '.csv' ? 'csv' : 'jsonl');
    this.mapping = options.mapping ?? REPLAY_FIELD_MAPPING;
  }

  start(sink: FeedSink): void {
    if (this.running !== undefined) return;
    this.abort = new AbortController();
    this.running = this.replay(sink, this.abort.signal).catch((error: unknown) => {
      this.connected = false;
      sink.connection(false, `replay of ${this.options.path} failed: ${String(error)}`);
    });
  }

  /** Resolves when the whole file was replayed (or the replay stopped). */
  finished(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.connected = false;
  }

  private async replay(sink: FeedSink, signal: AbortSignal): Promise<void> {
    const stream = createReadStream(this.options.path, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    const sequencer = new LocalSequencer();
    let header: string[] | undefined;
    let previousTime: bigint | undefined;
    let lineNumber = 0;
    this.connected = true;
    sink.connection(true);
    try {
      for await (const line of lines) {
        if (signal.aborted) return;
        lineNumber += 1;
        if (line.trim() === '') continue;
        let record: unknown;
        if (this.format === 'csv') {
          const cells = line.split(',').map((cell) => cell.trim());
          if (header === undefined) {
            header = cells;
            continue;
          }
          if (cells.length !== header.length) {
            sink.undecodable(
              `line ${lineNumber}: ${cells.length} cells, header has ${header.length}`,
            );
            continue;
          }
          const columns = header;
          record = Object.fromEntries(cells.map((cell, i) => [columns[i], cell]));
        } else {
          try {
            record = JSON.parse(line);
          } catch {
            sink.undecodable(`line ${lineNumber}: not JSON`);
            continue;
          }
        }
        const now = this.scheduler.now();
        const decoded = decodeRecord(record, this.mapping, this.source, msToNanos(now));
        if (!decoded.ok) {
          sink.undecodable(`line ${lineNumber}: ${decoded.error}`);
          continue;
        }
        const { tick } = decoded;
        const recorded = tick.exchangeTimeUnixNanos;
        if (previousTime !== undefined && this.options.speed > 0 && recorded > previousTime) {
          const waitMs = Number(recorded - previousTime) / 1e6 / this.options.speed;
          await this.scheduler.sleep(waitMs, signal);
          if (signal.aborted) return;
        }
        previousTime = recorded;
        if (!decoded.hasSequence) tick.sequence = sequencer.next(tick.symbol);
        if (this.options.retime === true)
          tick.exchangeTimeUnixNanos = msToNanos(this.scheduler.now());
        sink.tick(tick);
      }
    } finally {
      lines.close();
      stream.destroy();
    }
  }
}
