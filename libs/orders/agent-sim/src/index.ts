/**
 * @meridian/orders-agent-sim: simulated trading agents for the order gateway (docs/agent-sim.md):
 * reference strategies behind the `Strategy` interface, the agent runner, provisioning over
 * AdminService, and the open-loop load generator with HDR latency histograms (used in-process by
 * the benchmarks).
 */
export * from './agent.book';
export * from './agent.runner';
export * from './latency.histogram';
export * from './load.generator';
export * from './loser.strategy';
export * from './market-maker.strategy';
export * from './momentum-taker.strategy';
export * from './provision-agents';
export * from './random-noise.strategy';
export * from './run-agents';
export * from './seeded-random';
export * from './sim-instrument';
export * from './strategy';
export * from './strategy.factory';
