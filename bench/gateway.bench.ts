/**
 * Order gateway and end-to-end latency, with agent-sim's open-loop load generator as the agents.
 *
 *   npx tsx bench/gateway.bench.ts [--rates 5000,10000,20000] [--seconds 10] [--agents 16]
 *     [--channels 4] [--e2e-rate 5000] [--quick]
 *
 * The platform runs as in production (tools/scripts/local-platform.ts): executor, order-gateway
 * and order-store are separate processes on loopback, against the Kafka dev broker, PostgreSQL
 * and Redis of this machine. The load generator runs in this process; it schedules sends at the
 * target rate and measures from the scheduled time (no coordinated omission).
 *
 * 1. Gateway: per target rate, submit-to-ack p50/p99 (pre-trade risk in Redis + durable Kafka
 *    write before the ack) and the achieved ack rate, IOC orders.
 * 2. End to end: at `--e2e-rate`, submit to the first execution report on the agent's stream
 *    (gateway → orders.commands → executor → orders.events → gateway → stream).
 *
 * Everything (agents, gateway, executor, broker, PostgreSQL, Redis) shares the machine's 2 cores,
 * so the figures are the platform's on this box, not the gateway's alone.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { type LoadReport, runLoadGenerator } from '@meridian/orders-agent-sim';
import type { RiskLimitsInput } from '@meridian/orders-client';
import { LocalPlatform, ROOT } from '@meridian/workspace-scripts/local-platform';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
function arg(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}
const RATES = arg('rates', quick ? '2000' : '5000,10000,20000')
  .split(',')
  .map(Number);
const SECONDS = Number(arg('seconds', quick ? '3' : '10'));
const AGENTS = Number(arg('agents', '16'));
const CHANNELS = Number(arg('channels', '4'));
const E2E_RATE = Number(arg('e2e-rate', quick ? '1000' : '5000'));

const INSTRUMENT = {
  symbol: 'BENCH',
  tickSize: '0.01',
  lotSize: '1',
  minPrice: '0.01',
  maxPrice: '1000000',
  currencyDecimals: 2,
  referencePrice: '100.00',
} as const;

/** Roomy enough that risk never refuses the benchmark's orders (it still evaluates every one). */
const LIMITS: RiskLimitsInput = {
  maxOrderQuantity: '1000000',
  maxOrderNotional: '1000000000',
  priceBandBps: 5000,
  maxOpenOrders: 1_000_000,
  maxPosition: '1000000000',
  maxGrossExposure: '100000000000',
  orderRatePerSecond: 100_000,
  orderBurst: 100_000,
};

const log = (line: string): void => console.log(line);

/** user+system CPU seconds of a process (Linux /proc; 10 ms resolution). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/);
  const n = ticks.filter((t) => t !== '').map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return (n.reduce((a, b) => a + b, 0) - idle) / 100;
}

/** CPU µs per acknowledged order, per service, for the load generator and for the machine. */
type CpuPerOrder = Record<string, number>;

function line(label: string, r: LoadReport): string {
  const a = r.submitToAck;
  const f = r.submitToFirstReport;
  const errors = Object.entries(r.errors)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    `${label.padEnd(16)} target ${String(r.targetRatePerSecond).padStart(6)}/s  acked ${r.acknowledged}/${r.scheduled}` +
    `  ack rate ${Math.round(r.achievedAckRatePerSecond)}/s  ack p50 ${a.p50Ms} p99 ${a.p99Ms} max ${a.maxMs} ms` +
    `  first report p50 ${f.p50Ms} p99 ${f.p99Ms} ms  send lag max ${r.maxSendLagMs} ms${errors === '' ? '' : `  errors ${errors}`}`
  );
}

async function main(): Promise<void> {
  const dir = join(ROOT, '.cache', 'bench-gateway');
  const started = Date.now();
  const platform = await LocalPlatform.start({
    dir,
    schema: 'bench_gw',
    redisPrefix: 'mrd:bench:',
    instruments: [INSTRUMENT],
    log: () => undefined,
    // Production-like: 1 % of traces recorded (TRACE_SAMPLE_RATIO), warnings and errors logged.
    env: {
      'order-gateway': { LOG_LEVEL: 'warn', TRACE_SAMPLE_RATIO: '0.01' },
      executor: { LOG_LEVEL: 'warn', TRACE_SAMPLE_RATIO: '0.01' },
      'order-store': { LOG_LEVEL: 'warn', TRACE_SAMPLE_RATIO: '0.01' },
    },
  });
  log(
    `platform ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${platform.gatewayAddress})`,
  );
  const results: { label: string; report: LoadReport; cpuMicrosPerOrder: CpuPerOrder }[] = [];
  try {
    const agents = await platform.provision(
      Array.from({ length: AGENTS }, (_, i) => ({
        agentId: `bench-agent-${i}`,
        accountId: `bench-acct-${i}`,
      })),
      LIMITS,
    );
    const keys = agents.map((a) => a.apiKey);
    const run = async (label: string, rate: number, seconds: number): Promise<void> => {
      const sample = (): Record<string, number> => {
        const own = process.cpuUsage();
        const m: Record<string, number> = {
          'load generator': (own.user + own.system) / 1e6,
          machine: machineBusySeconds(),
        };
        for (const service of platform.services) m[service.spec.name] = cpuSecondsOf(service.pid);
        return m;
      };
      const before = sample();
      const report = await runLoadGenerator({
        address: platform.gatewayAddress,
        apiKeys: keys,
        channels: CHANNELS,
        ratePerSecond: rate,
        durationMs: seconds * 1000,
        instrument: INSTRUMENT,
        orderMix: 'ioc',
        drainTimeoutMs: 15_000,
      });
      const after = sample();
      const cpuMicrosPerOrder: CpuPerOrder = {};
      for (const [name, seconds] of Object.entries(after))
        cpuMicrosPerOrder[name] = Math.round(
          ((seconds - (before[name] ?? 0)) * 1e6) / Math.max(1, report.acknowledged),
        );
      results.push({ label, report, cpuMicrosPerOrder });
      log(line(label, report));
      log(
        `  CPU µs/order: ${Object.entries(cpuMicrosPerOrder)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
    };
    // Warm-up: JIT, connection pools, consumer groups joined.
    await run('warm-up', Math.min(1000, RATES[0] ?? 1000), 3);
    for (const rate of RATES) await run(`gateway@${rate}`, rate, SECONDS);
    await run(`e2e@${E2E_RATE}`, E2E_RATE, SECONDS);
    // Server-side view of the same run: where the gateway's time went.
    const scrape = async (port: number): Promise<string> =>
      (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const text = [
      await scrape(platform.ports.gatewayOps),
      await scrape(platform.ports.executorOps),
    ].join('\n');
    for (const name of [
      'grpc_server_handling_seconds',
      'gateway_submit_stage_seconds',
      'messaging_producer_send_duration_seconds',
      'messaging_consumer_batch_duration_seconds',
      'executor_stage_duration_seconds',
      'executor_command_latency_seconds',
      'executor_batch_commands',
      'gateway_execution_report_delay_seconds',
    ]) {
      const sum = text.split('\n').filter((l) => l.startsWith(`${name}_sum`));
      const count = text.split('\n').filter((l) => l.startsWith(`${name}_count`));
      for (const [i, l] of sum.entries()) {
        const total = Number(l.split(' ').pop());
        const n = Number(count[i]?.split(' ').pop());
        if (n > 0)
          log(
            `  server ${l.slice(0, l.lastIndexOf(' ')).replace('_sum', '')} mean ${((1000 * total) / n).toFixed(2)} ms over ${n}`,
          );
      }
    }
    for (const l of text.split('\n'))
      if (/eventloop_lag_(p99|max)_seconds /.test(l)) log(`  server ${l}`);
  } finally {
    const stopped = await platform.stop();
    for (const { name, code } of stopped)
      if (code !== 0) log(`${name} stopped with ${code instanceof Error ? code.message : code}`);
  }

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const out = join(ROOT, 'bench', 'results', 'gateway.json');
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        bench: 'gateway',
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
        node: process.version,
        agents: AGENTS,
        channels: CHANNELS,
        seconds: SECONDS,
        results: results.map(({ label, report, cpuMicrosPerOrder }) => ({
          label,
          ...report,
          cpuMicrosPerOrder,
        })),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
