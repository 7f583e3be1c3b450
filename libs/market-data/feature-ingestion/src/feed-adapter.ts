import { type marketdata } from '@meridian/contracts';

/**
 * Where an adapter delivers what it reads. Adapters only decode; validation, sequencing and
 * failover happen behind the sink, the same for every adapter.
 */
export interface FeedSink {
  /** A decoded tick; `source` is set, `receivedTimeUnixNanos` is set by the pipeline. */
  tick(tick: marketdata.Tick): void;
  /** A message that could not be decoded at all (bad JSON, bad CSV row). */
  undecodable(detail: string): void;
  /** The adapter's connection to its provider came up or went down. */
  connection(connected: boolean, detail?: string): void;
}

/** One provider connection: synthetic generator, file replay or WebSocket. */
export interface FeedAdapter {
  /** Source name, the `source` of its ticks and the `source` label of the metrics. */
  readonly source: string;
  /** Starts producing into `sink` (connecting in the background); returns at once. */
  start(sink: FeedSink): void;
  /** Stops producing and releases the connection; no sink call after it resolves. */
  stop(): Promise<void>;
  isConnected(): boolean;
}
