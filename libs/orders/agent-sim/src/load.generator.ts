import { common, orders } from '@meridian/contracts';
import {
  clientOptionsOf,
  type ExecutionReportStream,
  OrderClient,
  roundToIncrement,
  toMeridianClientError,
} from '@meridian/orders-client';
import { Channel, credentials as grpcCredentials } from '@grpc/grpc-js';
import { LatencyHistogram, type LatencySummary } from './latency.histogram';
import { type SimInstrument } from './sim-instrument';

/**
 * What each order is:
 * - `cross`: GTC limits at the reference price; agent i's k-th order is BUY for even rounds
 *   and SELL for odd ones, so each round of sells trades against the round of buys before it
 *   (positions stay within one lot, few orders rest).
 * - `ioc`: IOC limits at the reference price (no resting book; every order gets accepted and
 *   canceled or filled).
 */
export type OrderMix = 'cross' | 'ioc';

export interface LoadGeneratorOptions {
  /** host:port of the order gateway. */
  readonly address: string;
  /** API keys of the M agents (trader role, ideally each on its own account). */
  readonly apiKeys: readonly string[];
  /** K: gRPC channels (own HTTP/2 connections); agent i uses channel i mod K. Default 1. */
  readonly channels?: number;
  /** Target rate, orders per second, over all agents (open loop). */
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly instrument: SimInstrument;
  /** Default `cross`. */
  readonly orderMix?: OrderMix;
  /** Order size; default one lot. */
  readonly quantity?: string;
  /** Unique per run (client order ids are `<runId>-<n>`); default random. */
  readonly runId?: string;
  /** Deadline of each SubmitOrder. Default 5000 ms. */
  readonly deadlineMs?: number;
  /** After the last send, wait this long at most for outstanding acks and reports. Default 10 s. */
  readonly drainTimeoutMs?: number;
  /** Orders without ack beyond this are not sent but counted as `CLIENT_BACKLOG`. Default 50 000. */
  readonly maxOutstanding?: number;
  /** Cancel orders still resting at the end (cross mix). Default true. */
  readonly cancelLeftovers?: boolean;
  /** Add both histograms, HdrHistogram-encoded, to the report (to merge several generators). */
  readonly includeHistograms?: boolean;
  readonly log?: (line: string) => void;
}

export interface LoadReport {
  readonly runId: string;
  readonly symbol: string;
  readonly orderMix: OrderMix;
  readonly agents: number;
  readonly channels: number;
  readonly targetRatePerSecond: number;
  readonly durationMs: number;
  /** Orders the schedule called for. */
  readonly scheduled: number;
  readonly sent: number;
  readonly acknowledged: number;
  /**
   * Refused submits by ErrorInfo reason (or status name; `CLIENT_BACKLOG` for skipped sends), and
   * `STREAM_<reason>` for a report stream that failed for good.
   */
  readonly errors: Record<string, number>;
  /** Acknowledged orders whose first report did not arrive before the drain timeout. */
  readonly missingReports: number;
  /** Sends per second over the send window. */
  readonly achievedSendRatePerSecond: number;
  /** Acks per second from the first scheduled send to the last ack. */
  readonly achievedAckRatePerSecond: number;
  /** How late the generator itself sent, worst case (it measures from the schedule anyway). */
  readonly maxSendLagMs: number;
  /** Scheduled send time to SubmitOrder response. */
  readonly submitToAck: LatencySummary;
  /** Scheduled send time to the order's first execution report on the agent's stream. */
  readonly submitToFirstReport: LatencySummary;
  readonly fills: number;
  readonly leftoversCanceled: number;
  /** Refused cleanup cancels by reason (typically GATEWAY_ORDER_NOT_OPEN: a fill came first). */
  readonly leftoverCancelRefusals: Record<string, number>;
  /** With `includeHistograms`: `LatencyHistogram.encode()` of both, for `LatencyHistogram.decode`. */
  readonly histograms?: { readonly submitToAck: string; readonly submitToFirstReport: string };
}

interface Pending {
  readonly scheduledNs: bigint;
  /** False for warm-up orders (their reports prove the stream is live, nothing more). */
  readonly measured: boolean;
  readonly agent: number;
  orderId?: string;
  acked: boolean;
  reported: boolean;
  status: orders.OrderStatus;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const RESTING: ReadonlySet<orders.OrderStatus> = new Set([
  orders.OrderStatus.NEW,
  orders.OrderStatus.PARTIALLY_FILLED,
]);

/**
 * Open-loop load: order n is due at start + n / rate, whatever happened to earlier orders, and
 * every latency is measured from that scheduled time, not from when the send actually happened,
 * so a stalled gateway (or generator) shows up in the percentiles instead of silently slowing
 * the load (coordinated omission). Orders go round-robin over M agents whose clients share K
 * channels; each agent has an execution-report stream for the symbol, and the first report of
 * each order (matched by client order id) stops its submit-to-first-report clock.
 */
export async function runLoadGenerator(options: LoadGeneratorOptions): Promise<LoadReport> {
  const agentsCount = options.apiKeys.length;
  if (agentsCount === 0) throw new RangeError('the load generator needs at least one API key');
  if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
  const channelsCount = Math.max(1, options.channels ?? 1);
  const mix = options.orderMix ?? 'cross';
  const runId = options.runId ?? Math.random().toString(36).slice(2, 10);
  const { instrument } = options;
  const quantity = options.quantity ?? instrument.lotSize;
  const price = roundToIncrement(instrument.referencePrice, instrument.tickSize);
  const log = options.log ?? (() => undefined);

  const channelOptions = clientOptionsOf({ address: options.address, dedicatedConnection: true });
  const channels = Array.from(
    { length: channelsCount },
    (_, i) =>
      new Channel(options.address, grpcCredentials.createInsecure(), {
        ...channelOptions,
        // Distinct options keep grpc-js from sharing one connection among the channels.
        'grpc.meridian_channel_index': i,
      }),
  );
  const clients = options.apiKeys.map(
    (apiKey, i) =>
      new OrderClient({
        address: options.address,
        apiKey,
        channel: channels[i % channelsCount],
        deadlineMs: options.deadlineMs ?? 5000,
      }),
  );

  const pending = new Map<string, Pending>();
  const ack = new LatencyHistogram();
  const firstReport = new LatencyHistogram();
  const errors = new Map<string, number>();
  const countError = (reason: string) => errors.set(reason, (errors.get(reason) ?? 0) + 1);
  let fills = 0;
  let outstanding = 0;
  let lastAckNs = 0n;

  /** Acknowledged measured orders whose first report has not arrived yet. */
  let awaitingReport = 0;
  /** Memory stays bounded: an order is forgotten once acked, reported and finished. */
  const forgetIfDone = (clientOrderId: string, entry: Pending): void => {
    if (entry.measured && entry.acked && entry.reported && !RESTING.has(entry.status))
      pending.delete(clientOrderId);
  };

  const onReport = (event: orders.OrderEvent): void => {
    const entry = pending.get(event.clientOrderId);
    if (entry === undefined) return;
    const kind = event.event?.$case;
    if (entry.measured && (kind === 'filled' || kind === 'partiallyFilled')) fills += 1;
    if (event.orderId !== '') entry.orderId = event.orderId;
    if (event.status !== orders.OrderStatus.UNSPECIFIED) entry.status = event.status;
    if (!entry.reported) {
      entry.reported = true;
      if (entry.measured) {
        firstReport.recordNanos(process.hrtime.bigint() - entry.scheduledNs);
        if (entry.acked) awaitingReport -= 1;
      }
    }
    forgetIfDone(event.clientOrderId, entry);
  };

  const streams: ExecutionReportStream[] = [];
  const consumers: Promise<void>[] = [];
  try {
    for (const client of clients) {
      const stream = client.executionReports({ symbol: instrument.symbol, startAt: 'live' });
      streams.push(stream);
      consumers.push(
        (async () => {
          try {
            for await (const event of stream) onReport(event);
          } catch (error) {
            countError(`STREAM_${toMeridianClientError(error).reason}`);
          }
        })(),
      );
    }
    await warmUp(clients, instrument, price, quantity, runId, pending, log);

    const scheduled = Math.floor((options.ratePerSecond * options.durationMs) / 1000);
    const intervalNs = 1e9 / options.ratePerSecond;
    const maxOutstanding = options.maxOutstanding ?? 50_000;
    const startNs = process.hrtime.bigint() + 5_000_000n;
    let sent = 0;
    let maxLagNs = 0n;
    let next = 0;
    log(
      `load: ${scheduled} orders at ${options.ratePerSecond}/s over ${agentsCount} agents and ${channelsCount} channels (${mix})`,
    );
    while (next < scheduled) {
      const now = process.hrtime.bigint();
      while (next < scheduled) {
        const due = startNs + BigInt(Math.round(next * intervalNs));
        if (due > now) break;
        const n = next++;
        if (now - due > maxLagNs) maxLagNs = now - due;
        if (outstanding >= maxOutstanding) {
          countError('CLIENT_BACKLOG');
          continue;
        }
        const agent = n % agentsCount;
        const round = Math.floor(n / agentsCount);
        const side = mix === 'cross' && round % 2 === 1 ? common.Side.SELL : common.Side.BUY;
        const clientOrderId = `${runId}-${n}`;
        const entry: Pending = {
          scheduledNs: due,
          measured: true,
          agent,
          acked: false,
          reported: false,
          status: orders.OrderStatus.UNSPECIFIED,
        };
        pending.set(clientOrderId, entry);
        outstanding += 1;
        sent += 1;
        const client = clients[agent] as OrderClient;
        client
          .submitOrder(
            {
              clientOrderId,
              symbol: instrument.symbol,
              order: {
                side: mix === 'ioc' && n % 2 === 1 ? common.Side.SELL : side,
                orderType: orders.OrderType.LIMIT,
                timeInForce: mix === 'ioc' ? orders.TimeInForce.IOC : orders.TimeInForce.GTC,
                quantity: { value: quantity },
                limitPrice: { value: price },
              },
            },
            // Load measures what happens, so no retries here.
            { retry: false },
          )
          .then(
            (result) => {
              const at = process.hrtime.bigint();
              ack.recordNanos(at - entry.scheduledNs);
              lastAckNs = at;
              entry.acked = true;
              entry.orderId = result.orderId;
              if (!entry.reported) awaitingReport += 1;
              forgetIfDone(clientOrderId, entry);
            },
            (error: unknown) => {
              countError(toMeridianClientError(error).reason);
              pending.delete(clientOrderId);
            },
          )
          .finally(() => (outstanding -= 1));
      }
      if (next < scheduled) {
        const dueNext = startNs + BigInt(Math.round(next * intervalNs));
        const waitMs = Number(dueNext - process.hrtime.bigint()) / 1e6;
        // Timers are coarse (≥ 1 ms): sleep a little less and catch up in the inner loop.
        if (waitMs >= 2) await sleep(Math.floor(waitMs - 1));
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    const sendWindowNs = process.hrtime.bigint() - startNs;

    // Drain: every sent order acked or failed, every acked one reported (or the timeout).
    const drainUntil = Date.now() + (options.drainTimeoutMs ?? 10_000);
    while ((outstanding > 0 || awaitingReport > 0) && Date.now() < drainUntil) await sleep(20);

    let leftoversCanceled = 0;
    const leftoverCancelRefusals = new Map<string, number>();
    if (options.cancelLeftovers !== false) {
      const resting = [...pending.values()].filter(
        (p) => p.orderId !== undefined && RESTING.has(p.status),
      );
      await Promise.all(
        resting.map((p) =>
          (clients[p.agent] as OrderClient)
            .cancelOrder({ symbol: instrument.symbol, target: { orderId: p.orderId ?? '' } })
            .then(
              () => (leftoversCanceled += 1),
              (error: unknown) => {
                // A fill may beat the cancel (GATEWAY_ORDER_NOT_OPEN): the order is gone either way.
                const reason = toMeridianClientError(error).reason;
                leftoverCancelRefusals.set(reason, (leftoverCancelRefusals.get(reason) ?? 0) + 1);
              },
            ),
        ),
      );
    }

    const acknowledged = ack.count;
    const ackWindowNs = lastAckNs > startNs ? lastAckNs - startNs : sendWindowNs;
    return {
      runId,
      symbol: instrument.symbol,
      orderMix: mix,
      agents: agentsCount,
      channels: channelsCount,
      targetRatePerSecond: options.ratePerSecond,
      durationMs: options.durationMs,
      scheduled,
      sent,
      acknowledged,
      errors: Object.fromEntries(errors),
      missingReports: awaitingReport,
      achievedSendRatePerSecond: perSecond(sent, sendWindowNs),
      achievedAckRatePerSecond: perSecond(acknowledged, ackWindowNs),
      maxSendLagMs: Number(maxLagNs / 1000n) / 1000,
      submitToAck: ack.summary(),
      submitToFirstReport: firstReport.summary(),
      fills,
      leftoversCanceled,
      leftoverCancelRefusals: Object.fromEntries(leftoverCancelRefusals),
      ...(options.includeHistograms === true
        ? { histograms: { submitToAck: ack.encode(), submitToFirstReport: firstReport.encode() } }
        : {}),
    };
  } finally {
    for (const stream of streams) stream.close();
    await Promise.all(consumers);
    for (const client of clients) client.close();
    for (const channel of channels) channel.close();
  }
}

function perSecond(count: number, windowNs: bigint): number {
  return windowNs <= 0n ? 0 : Math.round((count * 1e9 * 10) / Number(windowNs)) / 10;
}

/**
 * One IOC order per agent until its report arrives on the agent's stream: proves each stream is
 * subscribed (a live stream only sees reports published after it subscribed) before the clock
 * starts. Warm-up orders are not counted.
 */
async function warmUp(
  clients: readonly OrderClient[],
  instrument: SimInstrument,
  price: string,
  quantity: string,
  runId: string,
  pending: Map<string, Pending>,
  log: (line: string) => void,
): Promise<void> {
  await Promise.all(
    clients.map(async (client, agent) => {
      for (let attempt = 1; attempt <= 10; attempt++) {
        const clientOrderId = `${runId}-w${agent}-${attempt}`;
        const entry: Pending = {
          scheduledNs: process.hrtime.bigint(),
          measured: false,
          agent,
          acked: false,
          reported: false,
          status: orders.OrderStatus.UNSPECIFIED,
        };
        pending.set(clientOrderId, entry);
        await client.submitOrder({
          clientOrderId,
          symbol: instrument.symbol,
          order: {
            side: common.Side.BUY,
            orderType: orders.OrderType.LIMIT,
            timeInForce: orders.TimeInForce.IOC,
            quantity: { value: quantity },
            limitPrice: { value: price },
          },
        });
        const until = Date.now() + 1000 * attempt;
        while (!entry.reported && Date.now() < until) await sleep(10);
        pending.delete(clientOrderId);
        if (entry.reported) return;
        log(`load: agent ${agent} stream not live yet (attempt ${attempt})`);
      }
      throw new Error(`agent ${agent}: no execution report on its stream after 10 warm-up orders`);
    }),
  );
}
