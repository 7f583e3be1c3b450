/**
 * Workload of bench/portfolio.bench.ts: execution reports as the executor publishes them (each
 * order accepted, then filled in 1-3 parts), spread over accounts and symbols, sides random so
 * positions go long, short and through zero. Deterministic (mulberry32).
 */
import { orders } from '@meridian/contracts';

export interface PortfolioWorkload {
  readonly events: orders.OrderEvent[];
  readonly fills: number;
}

export function portfolioWorkload(options: {
  accounts: number;
  symbols: number;
  fills: number;
  seed?: number;
}): PortfolioWorkload {
  let state = options.seed ?? 11;
  const rand = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const sequences = new Map<string, bigint>();
  const next = (symbol: string): bigint => {
    const s = (sequences.get(symbol) ?? 0n) + 1n;
    sequences.set(symbol, s);
    return s;
  };
  const events: orders.OrderEvent[] = [];
  let fills = 0;
  for (let i = 0; fills < options.fills; i++) {
    const accountId = `acct-${Math.floor(rand() * options.accounts)}`;
    const symbol = `SYM${Math.floor(rand() * options.symbols)}`;
    const orderId = `b-${i}`;
    const parts = 1 + Math.floor(rand() * 3);
    const base = { symbol, orderId, accountId, agentId: `agent-${accountId}` };
    let sequence = next(symbol);
    events.push(
      orders.OrderEvent.fromPartial({
        ...base,
        eventId: `ev-${symbol}-${sequence}`,
        sequence,
        eventTimeUnixNanos: sequence,
        status: orders.OrderStatus.NEW,
        event: {
          $case: 'accepted',
          value: {
            order: { side: rand() < 0.5 ? 1 : 2, quantity: { value: '100' } },
            status: orders.OrderStatus.NEW,
          },
        },
      }),
    );
    for (let part = 0; part < parts; part++) {
      sequence = next(symbol);
      const cents = 9000 + Math.floor(rand() * 2000);
      const fill = {
        executionId: `${orderId}-x${part}`,
        tradeId: `t-${orderId}-${part}`,
        price: { value: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}` },
        quantity: { value: String(1 + Math.floor(rand() * 40)) },
        liquidity: rand() < 0.5 ? orders.Liquidity.MAKER : orders.Liquidity.TAKER,
      };
      const final = part === parts - 1;
      events.push(
        orders.OrderEvent.fromPartial({
          ...base,
          eventId: `ev-${symbol}-${sequence}`,
          sequence,
          eventTimeUnixNanos: sequence,
          status: final ? orders.OrderStatus.FILLED : orders.OrderStatus.PARTIALLY_FILLED,
          event: final
            ? { $case: 'filled', value: { fill } }
            : { $case: 'partiallyFilled', value: { fill } },
        }),
      );
      fills += 1;
    }
  }
  return { events, fills };
}
