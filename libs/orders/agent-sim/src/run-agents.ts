import { OrderClient } from '@meridian/orders-client';
import { AgentRunner, type AgentSummary } from './agent.runner';
import { type SimInstrument } from './sim-instrument';
import { type Strategy } from './strategy';

export interface SimAgent {
  readonly label: string;
  readonly apiKey: string;
  readonly agentId?: string;
  readonly strategy: Strategy;
}

export interface RunAgentsOptions {
  /** host:port of the order gateway. */
  readonly address: string;
  readonly instrument: SimInstrument;
  readonly agents: readonly SimAgent[];
  readonly durationMs: number;
  /** Part of every client order id (unique per run), e.g. a few random characters (≤ 32). */
  readonly runId: string;
  /** Called with progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export interface RunSummary {
  readonly runId: string;
  readonly symbol: string;
  readonly durationMs: number;
  readonly agents: readonly AgentSummary[];
  readonly totals: {
    readonly submitted: number;
    readonly acknowledged: number;
    readonly fills: number;
    readonly errors: number;
  };
}

/** Runs every agent's strategy for `durationMs`, then stops them and summarizes. */
export async function runAgents(options: RunAgentsOptions): Promise<RunSummary> {
  const clients: OrderClient[] = [];
  const runners = options.agents.map((agent, i) => {
    const client = new OrderClient({ address: options.address, apiKey: agent.apiKey });
    clients.push(client);
    return new AgentRunner({
      label: agent.label,
      ...(agent.agentId === undefined ? {} : { agentId: agent.agentId }),
      client,
      strategy: agent.strategy,
      instrument: options.instrument,
      // Short: client order ids are at most 64 characters (`<runId>-a<i>-<n>`).
      clientOrderIdPrefix: `${options.runId}-a${i + 1}`,
    });
  });
  const started = Date.now();
  try {
    for (const runner of runners) runner.start();
    options.log?.(
      `running ${runners.length} agents on ${options.instrument.symbol} for ${options.durationMs} ms`,
    );
    await new Promise((resolve) => setTimeout(resolve, options.durationMs));
    await Promise.all(runners.map((r) => r.stop()));
  } finally {
    for (const client of clients) client.close();
  }
  const agents = runners.map((r) => r.summary());
  const sum = (f: (a: AgentSummary) => number) => agents.reduce((n, a) => n + f(a), 0);
  return {
    runId: options.runId,
    symbol: options.instrument.symbol,
    durationMs: Date.now() - started,
    agents,
    totals: {
      submitted: sum((a) => a.submitted),
      acknowledged: sum((a) => a.acknowledged),
      fills: sum((a) => a.fills),
      errors: sum((a) => Object.values(a.errors).reduce((n, v) => n + v, 0)),
    },
  };
}
