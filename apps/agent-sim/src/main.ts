/**
 * Agent simulator: `SWC_NODE_PROJECT=tsconfig.base.json node -r @swc-node/register
 * apps/agent-sim/src/main.ts` (`npx nx run agent-sim:serve`), configured by AGENT_SIM_*
 * (docs/agent-sim.md). Prints one JSON report on stdout, progress on stderr. Wiring only: the
 * strategies, runner and load generator live in @meridian/orders-agent-sim.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  createStrategy,
  isStrategyName,
  provisionAgents,
  runAgents,
  runLoadGenerator,
  type SimInstrument,
} from '@meridian/orders-agent-sim';
import { AdminClient, OrderClient } from '@meridian/orders-client';
import { type AgentSimConfig, loadAgentSimConfig } from './agent-sim.config';

const progress = (line: string): void => {
  process.stderr.write(`agent-sim: ${line}\n`);
};

/** Keys given in the config, or `count` agents created over AdminService with the admin key. */
async function agentKeys(
  config: AgentSimConfig,
  runId: string,
  count: number,
): Promise<{ apiKey: string; agentId?: string }[]> {
  if (config.apiKeys !== undefined) {
    if (config.apiKeys.length < count)
      throw new Error(`AGENT_SIM_API_KEYS has ${config.apiKeys.length} keys, ${count} are needed`);
    return config.apiKeys.slice(0, count).map((apiKey) => ({ apiKey }));
  }
  if (config.adminKey === undefined)
    throw new Error('set AGENT_SIM_ADMIN_KEY (to provision agents) or AGENT_SIM_API_KEYS');
  const admin = new AdminClient({ address: config.gateway, apiKey: config.adminKey });
  try {
    const agents = await provisionAgents(admin, `sim-${runId}`, count);
    progress(`provisioned ${agents.length} agents (sim-${runId}-1..${agents.length})`);
    return agents.map((a) => ({ apiKey: a.apiKey, agentId: a.agentId }));
  } finally {
    admin.close();
  }
}

async function main(): Promise<void> {
  const config = loadAgentSimConfig();
  const runId = config.runId ?? randomBytes(4).toString('hex');
  const instrument: SimInstrument = {
    symbol: config.symbol,
    tickSize: config.tickSize,
    lotSize: config.lotSize,
    referencePrice: config.referencePrice,
  };
  const probe = new OrderClient({ address: config.gateway, apiKey: 'health-check-only' });
  try {
    await probe.waitUntilServing(30_000);
  } finally {
    probe.close();
  }

  let report: unknown;
  if (config.mode === 'run') {
    const names = config.strategies.filter(isStrategyName);
    const keys = await agentKeys(config, runId, names.length);
    const summary = await runAgents({
      address: config.gateway,
      instrument,
      durationMs: config.durationMs,
      runId,
      log: progress,
      agents: names.map((name, i) => ({
        label: `${name}-${i + 1}`,
        ...keys[i],
        apiKey: keys[i]?.apiKey ?? '',
        strategy: createStrategy(name, config.seed + i),
      })),
    });
    for (const a of summary.agents)
      progress(
        `${a.label.padEnd(16)} fills ${a.fills}, position ${a.position}, P&L@ref ${a.pnlAtReference}, ` +
          `orders ${a.submitted} (acked ${a.acknowledged}), ack p50/p99 ${a.submitToAck.p50Ms}/${a.submitToAck.p99Ms} ms` +
          (Object.keys(a.errors).length > 0 ? `, refused ${JSON.stringify(a.errors)}` : ''),
      );
    report = summary;
  } else {
    const keys = await agentKeys(config, runId, config.agents);
    const load = await runLoadGenerator({
      address: config.gateway,
      apiKeys: keys.map((k) => k.apiKey),
      channels: config.channels,
      ratePerSecond: config.rate,
      durationMs: config.durationMs,
      instrument,
      orderMix: config.orderMix,
      runId,
      log: progress,
    });
    progress(
      `acked ${load.acknowledged}/${load.scheduled} at ${load.achievedAckRatePerSecond}/s; ack p50/p99 ` +
        `${load.submitToAck.p50Ms}/${load.submitToAck.p99Ms} ms; first report p50/p99 ` +
        `${load.submitToFirstReport.p50Ms}/${load.submitToFirstReport.p99Ms} ms; errors ${JSON.stringify(load.errors)}`,
    );
    report = load;
  }
  const json = JSON.stringify(report, null, 2);
  if (config.output !== undefined) writeFileSync(config.output, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `agent-sim failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
