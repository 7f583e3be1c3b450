import {
  type CallOptions as GrpcCallOptions,
  type Channel,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientOptions,
  credentials as grpcCredentials,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { toMeridianClientError } from './meridian-client.error';
import {
  backoffMs,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  NO_RETRY,
  type RetryPolicy,
} from './retry.policy';

/** The metadata key carrying the API key (`mrd_<keyId>.<secret>`), see docs/api.md. */
export const API_KEY_HEADER = 'x-api-key';

/** HTTP/2 keepalive pings: detect a dead connection while no data flows (e.g. an idle stream). */
export interface KeepaliveOptions {
  /** Ping after this much time without activity. Default 20 000 ms. */
  readonly timeMs: number;
  /** Consider the connection dead when a ping is not answered within this. Default 10 000 ms. */
  readonly timeoutMs: number;
  /** Ping even without open calls (the gateway permits it). Default true. */
  readonly permitWithoutCalls: boolean;
}

export const DEFAULT_KEEPALIVE: KeepaliveOptions = {
  timeMs: 20_000,
  timeoutMs: 10_000,
  permitWithoutCalls: true,
};

/** Where and how to connect; shared by OrderClient and AdminClient. */
export interface ConnectionOptions {
  /** host:port of the order gateway, e.g. `127.0.0.1:50051`. */
  readonly address: string;
  /** Default: plaintext (`credentials.createInsecure()`). */
  readonly credentials?: ChannelCredentials;
  /**
   * Use this channel instead of opening one (several clients, e.g. agents, over one HTTP/2
   * connection). `close()` then leaves the channel open.
   */
  readonly channel?: Channel;
  /**
   * Own TCP connection instead of the process-wide subchannel pool, which grpc-js otherwise
   * shares among clients with the same address and options. Default false.
   */
  readonly dedicatedConnection?: boolean;
  readonly keepalive?: Partial<KeepaliveOptions>;
  /** Extra grpc-js channel options (they win over the ones derived above). */
  readonly channelOptions?: ChannelOptions;
}

/** grpc-js client options for `connection` (keepalive, pool, channel override). */
export function clientOptionsOf(connection: ConnectionOptions): Partial<ClientOptions> {
  const keepalive = { ...DEFAULT_KEEPALIVE, ...connection.keepalive };
  return {
    'grpc.keepalive_time_ms': keepalive.timeMs,
    'grpc.keepalive_timeout_ms': keepalive.timeoutMs,
    'grpc.keepalive_permit_without_calls': keepalive.permitWithoutCalls ? 1 : 0,
    ...(connection.dedicatedConnection === true ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
    ...connection.channelOptions,
    ...(connection.channel === undefined ? {} : { channelOverride: connection.channel }),
  };
}

export function credentialsOf(connection: ConnectionOptions): ChannelCredentials {
  return connection.credentials ?? grpcCredentials.createInsecure();
}

/** Per-call settings. */
export interface CallSettings {
  /** Deadline of each attempt, in ms from when it is sent. Default: the client's `deadlineMs`. */
  readonly deadlineMs?: number;
  /** Overrides the client's retry policy for this call (`false`: no retry). */
  readonly retry?: Partial<RetryPolicy> | false;
}

/** Settings common to both clients. */
export interface CallerOptions {
  readonly apiKey: string;
  /** Default deadline of a unary call attempt. Default 10 000 ms. */
  readonly deadlineMs?: number;
  /** Retry policy for the calls that are safe to repeat (see RETRY_SAFE_METHODS). */
  readonly retry?: Partial<RetryPolicy>;
  /** Source of jitter, 0..1 (tests pass a fixed one). Default Math.random. */
  readonly random?: () => number;
  /** How retries wait (tests may make it instant). */
  readonly sleep?: (ms: number) => Promise<void>;
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
/** A grpc-js unary method bound to its client: `(request, metadata, options, callback)`. */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<GrpcCallOptions>,
  callback: Callback<Res>,
) => unknown;

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs unary calls with the API key, a deadline per attempt and retries of idempotent-safe
 * methods after UNAVAILABLE / DEADLINE_EXCEEDED. Every failure is a MeridianClientError.
 */
export class UnaryCaller {
  private readonly defaultDeadlineMs: number;
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: CallerOptions) {
    this.defaultDeadlineMs = options.deadlineMs ?? 10_000;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? realSleep;
  }

  /** A fresh metadata with the API key (grpc-js may mutate what it is given). */
  metadata(): Metadata {
    const metadata = new Metadata();
    metadata.set(API_KEY_HEADER, this.options.apiKey);
    return metadata;
  }

  async call<Req, Res>(
    method: string,
    invoke: UnaryMethod<Req, Res>,
    request: Req,
    settings: CallSettings = {},
  ): Promise<Res> {
    const policy =
      settings.retry === false ? NO_RETRY : { ...this.policy, ...(settings.retry ?? {}) };
    const deadlineMs = settings.deadlineMs ?? this.defaultDeadlineMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise<Res>((resolve, reject) => {
          invoke(request, this.metadata(), { deadline: Date.now() + deadlineMs }, (error, res) =>
            error ? reject(error) : resolve(res),
          );
        });
      } catch (error) {
        const failure = toMeridianClientError(error, method);
        if (attempt >= policy.maxAttempts || !isRetryable(method, failure.code)) throw failure;
        await this.sleep(backoffMs(policy, attempt, this.random));
      }
    }
  }
}
