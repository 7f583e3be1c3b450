import { STRATEGY_NAMES } from '@meridian/orders-agent-sim';
import {
  duration,
  field,
  list,
  loadConfig,
  oneOf,
  positiveInt,
  text,
} from '@meridian/shared-config';
import { z } from 'zod';

const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const decimal = (env: string) =>
  field(env, z.string().regex(DECIMAL), 'a decimal like 0.01 (no exponent, no sign)');

/** The agent simulator's configuration, validated at start (docs/agent-sim.md). */
export const agentSimConfigSchema = {
  mode: oneOf('AGENT_SIM_MODE', ['run', 'load'])
    .default('run')
    .describe('`run`: reference strategies for a while; `load`: the open-loop load generator.'),
  gateway: text('AGENT_SIM_GATEWAY')
    .default('127.0.0.1:50051')
    .describe('host:port of the order gateway (gRPC).'),
  adminKey: text('AGENT_SIM_ADMIN_KEY')
    .secret()
    .optional()
    .describe('An admin API key: the agents are created over AdminService (own account each).'),
  apiKeys: list('AGENT_SIM_API_KEYS')
    .secret()
    .optional()
    .describe('Trader API keys to use instead of provisioning (one agent per key).'),
  strategies: list('AGENT_SIM_STRATEGIES', {
    item: {
      pattern: new RegExp(`^(${STRATEGY_NAMES.join('|')})$`),
      expected: STRATEGY_NAMES.join(' / '),
    },
  })
    .default('market-maker,momentum')
    .describe('Run mode: one agent per entry, e.g. `market-maker,market-maker,noise,loser`.'),
  agents: positiveInt('AGENT_SIM_AGENTS')
    .default('8')
    .describe('Load mode: M concurrent agents (provisioned when no keys are given).'),
  channels: positiveInt('AGENT_SIM_CHANNELS')
    .default('2')
    .describe('Load mode: K gRPC channels (HTTP/2 connections) the agents share.'),
  rate: positiveInt('AGENT_SIM_RATE')
    .default('1000')
    .describe('Load mode: target orders per second over all agents (open loop).'),
  orderMix: oneOf('AGENT_SIM_ORDER_MIX', ['cross', 'ioc'])
    .default('cross')
    .describe('Load mode: `cross` (GTC buys and sells that trade) or `ioc` (IOC, nothing rests).'),
  durationMs: duration('AGENT_SIM_DURATION')
    .default('10s')
    .describe('How long to trade (run) or send (load).'),
  seed: positiveInt('AGENT_SIM_SEED').default('1').describe('Seed of the noise traders.'),
  symbol: text('AGENT_SIM_SYMBOL').default('AAPL').describe('Instrument to trade.'),
  tickSize: decimal('AGENT_SIM_TICK_SIZE')
    .default('0.01')
    .describe('Its tick size (prices are on this grid).'),
  lotSize: decimal('AGENT_SIM_LOT_SIZE')
    .default('1')
    .describe('Its lot size (quantities are on this grid).'),
  referencePrice: decimal('AGENT_SIM_REFERENCE_PRICE')
    .default('190.00')
    .describe('Price the strategies quote around (the gateway reference price).'),
  runId: text('AGENT_SIM_RUN_ID')
    .optional()
    .describe('Part of every client order id and agent id. Default: random.'),
  output: text('AGENT_SIM_OUTPUT').optional().describe('Also write the JSON report to this file.'),
};

export type AgentSimConfig = ReturnType<typeof loadAgentSimConfig>;

export function loadAgentSimConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(agentSimConfigSchema, { appName: 'agent-sim', env });
}
