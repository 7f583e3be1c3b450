/**
 * The floor under the gateway benchmark: how many unary SubmitOrder calls grpc-js itself can
 * carry on this machine when the handler does nothing (no auth, risk, Redis or Kafka).
 *
 *   npx tsx bench/grpc-floor.bench.ts [--seconds 8] [--clients 2] [--inflight 64] [--channels 4]
 *
 * The server runs the generated OrderService definition in a child process (like the gateway);
 * `--clients` child processes each keep `--inflight` calls outstanding over `--channels`
 * channels (closed loop: the maximum rate, not a latency test). Reports calls/s and CPU time per
 * call on the server and the clients, measured with process.cpuUsage() over the timed window.
 * Whatever a real gateway does per order comes on top of these figures, on the same 2 cores.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { common, orders } from '@meridian/contracts';

const args = process.argv.slice(2);
function arg(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
const SECONDS = Number(arg('seconds', '8'));
const CLIENTS = Number(arg('clients', '2'));
const INFLIGHT = Number(arg('inflight', '64'));
const CHANNELS = Number(arg('channels', '4'));
const ROLE = process.env['GRPC_FLOOR_ROLE'];

interface Sample {
  readonly calls: number;
  readonly cpuMicros: number;
  readonly wallMs: number;
}

const REQUEST: orders.SubmitOrderRequest = orders.SubmitOrderRequest.fromPartial({
  clientOrderId: 'c-0000000001',
  symbol: 'BENCH',
  order: orders.NewOrder.fromPartial({
    side: common.Side.BUY,
    orderType: orders.OrderType.LIMIT,
    timeInForce: orders.TimeInForce.IOC,
    quantity: { value: '1' },
    limitPrice: { value: '100.00' },
  }),
});

/**
 * A child's side of the timing protocol: 'mark' starts the window, 'report' sends the calls and
 * CPU time since the mark (after `onReport`) and exits.
 */
function answerParent(calls: () => number, onReport: () => void = () => undefined): void {
  let mark = { calls: 0, cpu: process.cpuUsage(), at: performance.now() };
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'mark')
      mark = { calls: calls(), cpu: process.cpuUsage(), at: performance.now() };
    if (message.cmd === 'report') {
      onReport();
      const cpu = process.cpuUsage(mark.cpu);
      const sample: Sample = {
        calls: calls() - mark.calls,
        cpuMicros: cpu.user + cpu.system,
        wallMs: performance.now() - mark.at,
      };
      process.send?.(sample, () => process.exit(0));
    }
  });
}

function server(): void {
  let calls = 0;
  const srv = new grpc.Server();
  const ack = { orderId: '123456789', commandId: 'a'.repeat(36), acceptedAtUnixNanos: 1n };
  srv.addService(orders.OrderServiceService, {
    submitOrder: (
      _call: grpc.ServerUnaryCall<orders.SubmitOrderRequest, orders.SubmitOrderResponse>,
      callback: grpc.sendUnaryData<orders.SubmitOrderResponse>,
    ) => {
      calls += 1;
      callback(null, ack);
    },
  } as unknown as grpc.UntypedServiceImplementation);
  srv.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error !== null) throw error;
    process.send?.({ port });
  });
  answerParent(() => calls);
}

function client(port: number): void {
  let calls = 0;
  let running = true;
  const stubs = Array.from(
    { length: CHANNELS },
    (_, i) =>
      // A distinct option per channel: grpc-js would otherwise share one connection.
      new orders.OrderServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'meridian.channel': i,
      } as grpc.ChannelOptions),
  );
  const loop = (i: number): void => {
    if (!running) return;
    const stub = stubs[i % CHANNELS];
    stub?.submitOrder(REQUEST, (error) => {
      if (error !== null) throw error;
      calls += 1;
      loop(i);
    });
  };
  for (let i = 0; i < INFLIGHT; i++) loop(i);
  answerParent(
    () => calls,
    () => {
      running = false;
    },
  );
  process.send?.({ ready: true });
}

function child(role: string, extra: Record<string, string> = {}) {
  return fork(__filename, args, {
    env: { ...process.env, GRPC_FLOOR_ROLE: role, ...extra },
    execArgv: process.execArgv,
  });
}

function once<T>(proc: ReturnType<typeof fork>, predicate: (m: unknown) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown): void => {
      if (predicate(m)) {
        proc.off('message', on);
        resolve(m as T);
      }
    };
    proc.on('message', on);
  });
}

async function main(): Promise<void> {
  const srv = child('server');
  const { port } = await once<{ port: number }>(
    srv,
    (m) => typeof m === 'object' && m !== null && 'port' in m,
  );
  const clients = Array.from({ length: CLIENTS }, () =>
    child('client', { GRPC_FLOOR_PORT: String(port) }),
  );
  await Promise.all(
    clients.map((c) => once(c, (m) => typeof m === 'object' && m !== null && 'ready' in m)),
  );
  await new Promise((r) => setTimeout(r, 2000)); // warm-up
  for (const proc of [srv, ...clients]) proc.send({ cmd: 'mark' });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const isSample = (m: unknown): boolean => typeof m === 'object' && m !== null && 'calls' in m;
  const clientSamples = await Promise.all(
    clients.map((c) => {
      const p = once<Sample>(c, isSample);
      c.send({ cmd: 'report' });
      return p;
    }),
  );
  const serverSample = once<Sample>(srv, isSample);
  srv.send({ cmd: 'report' });
  const s = await serverSample;
  const clientCalls = clientSamples.reduce((a, b) => a + b.calls, 0);
  const clientCpu = clientSamples.reduce((a, b) => a + b.cpuMicros, 0);
  const result = {
    bench: 'grpc-floor',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage1m: loadavg()[0] ?? 0,
    clients: CLIENTS,
    inflightPerClient: INFLIGHT,
    channelsPerClient: CHANNELS,
    seconds: SECONDS,
    callsPerSecond: Math.round((s.calls / s.wallMs) * 1000),
    serverCpuMicrosPerCall: Number((s.cpuMicros / s.calls).toFixed(1)),
    serverCpuUtilisation: Number((s.cpuMicros / 1000 / s.wallMs).toFixed(2)),
    clientCpuMicrosPerCall: Number((clientCpu / clientCalls).toFixed(1)),
  };
  console.log(
    `grpc-js floor: ${result.callsPerSecond} calls/s  server ${result.serverCpuMicrosPerCall} µs CPU/call (${result.serverCpuUtilisation} cores)  client ${result.clientCpuMicrosPerCall} µs CPU/call  load ${result.loadAverage1m.toFixed(2)}`,
  );
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'grpc-floor.json'), `${JSON.stringify(result, null, 2)}\n`);
}

if (ROLE === 'server') server();
else if (ROLE === 'client') client(Number(process.env['GRPC_FLOOR_PORT']));
else
  void main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
