import { ConfigError } from '@meridian/shared-config';
import { loadAgentSimConfig } from './agent-sim.config';

describe('agent-sim config', () => {
  it('defaults to the run mode on the demo gateway and AAPL', () => {
    expect(loadAgentSimConfig({})).toMatchObject({
      mode: 'run',
      gateway: '127.0.0.1:50051',
      strategies: ['market-maker', 'momentum'],
      agents: 8,
      channels: 2,
      rate: 1000,
      orderMix: 'cross',
      durationMs: 10_000,
      symbol: 'AAPL',
      tickSize: '0.01',
      lotSize: '1',
      referencePrice: '190.00',
      seed: 1,
    });
  });

  it('reads the load settings and the keys', () => {
    const config = loadAgentSimConfig({
      AGENT_SIM_MODE: 'load',
      AGENT_SIM_RATE: '5000',
      AGENT_SIM_AGENTS: '16',
      AGENT_SIM_CHANNELS: '4',
      AGENT_SIM_DURATION: '30s',
      AGENT_SIM_ORDER_MIX: 'ioc',
      AGENT_SIM_API_KEYS: 'mrd_a.1, mrd_b.2',
      AGENT_SIM_STRATEGIES: 'noise,loser,market-maker',
    });
    expect(config).toMatchObject({
      mode: 'load',
      rate: 5000,
      agents: 16,
      channels: 4,
      durationMs: 30_000,
      orderMix: 'ioc',
      apiKeys: ['mrd_a.1', 'mrd_b.2'],
      strategies: ['noise', 'loser', 'market-maker'],
    });
  });

  it('names every bad variable: unknown strategy, float-looking decimal, zero rate, unknown mode', () => {
    const error = (() => {
      try {
        loadAgentSimConfig({
          AGENT_SIM_STRATEGIES: 'market-maker,yolo',
          AGENT_SIM_TICK_SIZE: '1e-2',
          AGENT_SIM_RATE: '0',
          AGENT_SIM_MODE: 'soak',
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = String(error);
    for (const name of [
      'AGENT_SIM_STRATEGIES',
      'AGENT_SIM_TICK_SIZE',
      'AGENT_SIM_RATE',
      'AGENT_SIM_MODE',
    ])
      expect(message).toContain(name);
  });

  it('keeps the API keys out of error messages', () => {
    const error = (() => {
      try {
        loadAgentSimConfig({ AGENT_SIM_API_KEYS: 'mrd_secret.1,', AGENT_SIM_MODE: 'x' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(String(error)).toContain('AGENT_SIM_API_KEYS');
    expect(String(error)).not.toContain('mrd_secret');
  });
});
