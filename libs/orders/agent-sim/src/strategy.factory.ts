import { LoserStrategy } from './loser.strategy';
import { MarketMakerStrategy } from './market-maker.strategy';
import { MomentumTakerStrategy } from './momentum-taker.strategy';
import { RandomNoiseStrategy } from './random-noise.strategy';
import { type Strategy } from './strategy';

/** Names of the reference strategies, as the agent-sim CLI takes them. */
export const STRATEGY_NAMES = ['market-maker', 'momentum', 'noise', 'loser'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** A reference strategy with its default parameters; `seed` feeds the noise trader's PRNG. */
export function createStrategy(name: StrategyName, seed: number): Strategy {
  switch (name) {
    case 'market-maker':
      return new MarketMakerStrategy();
    case 'momentum':
      return new MomentumTakerStrategy();
    case 'noise':
      return new RandomNoiseStrategy({ seed });
    case 'loser':
      return new LoserStrategy();
  }
}
