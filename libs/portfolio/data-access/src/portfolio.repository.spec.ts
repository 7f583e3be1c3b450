import {
  AccountBook,
  type AccountRecord,
  MONEY_SCALE,
  parseFixed,
  type PositionState,
} from '@meridian/portfolio-domain';
import { LedgerReader } from './ledger.reader';
import { ConcurrentPortfolioWriteError, LedgerRowInvalidError } from './portfolio-data.error';
import { PortfolioRedisView } from './portfolio.redis-view';
import { PortfolioRepository } from './portfolio.repository';
import { createPortfolioTestStores, insertLedgerFills, type PortfolioTestStores } from './testing';

const m = (s: string): bigint => parseFixed(s, MONEY_SCALE);

function position(
  accountId: string,
  symbol: string,
  patch: Partial<PositionState> = {},
): PositionState {
  return {
    accountId,
    symbol,
    quantity: -1_250_000_000n,
    costBasis: m('-1250.123456789'),
    realizedPnl: m('0.0000000000000001'),
    fees: m('1.5'),
    markPrice: null,
    lastSequence: 7n,
    fillCount: 2n,
    updatedAtUnixNanos: 1_700_000_000_000_000_000n,
    ...patch,
  };
}

function account(accountId: string, version: bigint): AccountRecord {
  return {
    ...AccountBook.open(accountId, 'USD', m('100000'), 1_700_000_000_000_000_000n).record(),
    version,
  };
}

describe('PortfolioRepository (PostgreSQL)', () => {
  let stores: PortfolioTestStores;
  let repo: PortfolioRepository;

  beforeAll(async () => {
    stores = await createPortfolioTestStores('pf_repo');
    repo = new PortfolioRepository(stores.pg.db);
  });
  afterAll(() => stores.cleanup());

  it('writes a batch in one statement and reads it back exactly', async () => {
    await repo.writeBatch({
      executions: [{ executionId: 'x1', accountId: 'A', symbol: 'AAA', sequence: 7n }],
      positions: [
        position('A', 'AAA'),
        position('A', 'BBB', { quantity: 0n, costBasis: 0n, markPrice: 12_345_678_900n }),
      ],
      accounts: [account('A', 3n)],
      openedOrders: [{ orderId: 'o1', accountId: 'A', symbol: 'AAA', side: 2 }],
      closedOrderIds: [],
    });
    const loaded = await repo.loadAll();
    expect(loaded.accounts).toEqual([account('A', 3n)]);
    expect(loaded.positions).toEqual([
      position('A', 'AAA'),
      position('A', 'BBB', { quantity: 0n, costBasis: 0n, markPrice: 12_345_678_900n }),
    ]);
    expect(await repo.openOrders()).toEqual([
      { orderId: 'o1', accountId: 'A', symbol: 'AAA', side: 2 },
    ]);
    expect(await repo.appliedAmong(['x1', 'x2'])).toEqual(new Set(['x1']));
  });

  it('refuses the whole batch when an execution id is already applied', async () => {
    const before = await repo.loadAll();
    await expect(
      repo.writeBatch({
        executions: [
          { executionId: 'x2', accountId: 'A', symbol: 'AAA', sequence: 8n },
          { executionId: 'x1', accountId: 'A', symbol: 'AAA', sequence: 7n },
        ],
        positions: [position('A', 'AAA', { quantity: 99n })],
        accounts: [account('A', 5n)],
        openedOrders: [],
        closedOrderIds: ['o1'],
      }),
    ).rejects.toBeInstanceOf(ConcurrentPortfolioWriteError);
    expect(await repo.loadAll()).toEqual(before);
    expect(await repo.appliedAmong(['x2'])).toEqual(new Set());
    expect(await repo.openOrders()).toHaveLength(1);
  });

  it('refuses a batch whose account version is not ahead of the stored one', async () => {
    // Same version: another writer already issued it.
    await expect(
      repo.writeBatch({
        executions: [],
        positions: [],
        accounts: [account('A', 3n)],
        openedOrders: [],
        closedOrderIds: [],
      }),
    ).rejects.toBeInstanceOf(ConcurrentPortfolioWriteError);
    await expect(
      repo.writeBatch({
        executions: [],
        positions: [position('A', 'AAA', { quantity: 1n })],
        accounts: [account('A', 2n)],
        openedOrders: [],
        closedOrderIds: [],
      }),
    ).rejects.toBeInstanceOf(ConcurrentPortfolioWriteError);
    expect((await repo.account('A'))?.version).toBe(3n);
  });

  it('closes orders and loads selected accounts', async () => {
    await repo.writeBatch({
      executions: [],
      positions: [],
      accounts: [account('A', 4n), account('B', 1n)],
      openedOrders: [],
      closedOrderIds: ['o1'],
    });
    expect(await repo.openOrders()).toEqual([]);
    const b = await repo.loadAccounts(['B']);
    expect(b.accounts.map((a) => a.accountId)).toEqual(['B']);
    expect(b.positions).toEqual([]);
    expect(await repo.account('nope')).toBeNull();
  });

  it('writes idempotency rows with any characters (COPY on a pool, one statement in a transaction), and position versions', async () => {
    const odd = 'x\t\\y\nz\r"{,}';
    await repo.writeBatch({
      executions: [{ executionId: odd, accountId: 'C\tC', symbol: 'S\\1', sequence: 1n }],
      positions: [position('C\tC', 'S\\1')],
      positionVersions: [1n],
      accounts: [account('C\tC', 1n)],
      openedOrders: [],
      closedOrderIds: [],
    });
    await stores.pg.db.withTransaction((tx) =>
      new PortfolioRepository(tx).writeBatch({
        executions: [{ executionId: `${odd}2`, accountId: 'C\tC', symbol: 'S\\1', sequence: 2n }],
        positions: [position('C\tC', 'S\\1', { lastSequence: 8n })],
        positionVersions: [2n],
        accounts: [account('C\tC', 2n)],
        openedOrders: [],
        closedOrderIds: [],
      }),
    );
    expect(await repo.appliedAmong([odd, `${odd}2`, 'x'])).toEqual(new Set([odd, `${odd}2`]));
    const c = await repo.loadAccounts(['C\tC']);
    expect(c.positions.map((p) => [p.symbol, p.lastSequence])).toEqual([['S\\1', 8n]]);
    expect(c.positionVersions).toEqual([2n]);
    // A repeated id through COPY is refused like through the statement.
    await expect(
      repo.writeBatch({
        executions: [{ executionId: odd, accountId: 'C\tC', symbol: 'S\\1', sequence: 3n }],
        positions: [],
        accounts: [account('C\tC', 3n)],
        openedOrders: [],
        closedOrderIds: [],
      }),
    ).rejects.toBeInstanceOf(ConcurrentPortfolioWriteError);
    expect((await repo.account('C\tC'))?.version).toBe(2n);
  });
});

describe('LedgerReader', () => {
  let stores: PortfolioTestStores;
  beforeAll(async () => {
    stores = await createPortfolioTestStores('pf_ledger');
  });
  afterAll(() => stores.cleanup());

  it('reads fills with account and side from the order-store tables, in (symbol, sequence) order, paged', async () => {
    await insertLedgerFills(stores.pg.db, [
      {
        executionId: 'e3',
        orderId: 'o2',
        accountId: 'B',
        symbol: 'AAA',
        side: 'sell',
        sequence: 9n,
        price: '10.5',
        quantity: '2',
      },
      {
        executionId: 'e1',
        orderId: 'o1',
        accountId: 'A',
        symbol: 'AAA',
        side: 'buy',
        sequence: 3n,
        price: '10',
        quantity: '1',
      },
      {
        executionId: 'e2',
        orderId: 'o3',
        accountId: 'A',
        symbol: 'BBB',
        side: 'sell',
        sequence: 1n,
        price: '7',
        quantity: '0.5',
      },
    ]);
    const pages: string[][] = [];
    for await (const page of new LedgerReader(stores.pg.db, stores.pg.schema).fills(2))
      pages.push(
        page.map(
          (f) =>
            `${f.executionId}:${f.accountId}:${f.side}:${f.quantity}@${f.price}:${f.liquidity}`,
        ),
      );
    expect(pages).toEqual([
      ['e1:A:buy:1@10:taker', 'e3:B:sell:2@10.5:taker'],
      ['e2:A:sell:0.5@7:taker'],
    ]);
  });

  it('fails with a typed error on an execution whose order is missing', async () => {
    await stores.pg.db.query(
      `INSERT INTO executions (execution_id, order_id, trade_id, symbol, sequence, price, quantity, liquidity, executed_at_unix_nanos)
       VALUES ('orphan', 'no-such-order', 't', 'ZZZ', 1, 1, 1, 1, 0)`,
    );
    const read = async (): Promise<void> => {
      for await (const page of new LedgerReader(stores.pg.db, stores.pg.schema).fills()) void page;
    };
    await expect(read()).rejects.toBeInstanceOf(LedgerRowInvalidError);
  });
});

describe('PortfolioRedisView', () => {
  let stores: PortfolioTestStores;
  beforeAll(async () => {
    stores = await createPortfolioTestStores('pf_redis');
  });
  afterAll(() => stores.cleanup());

  it('keeps symbol → quantity and the account valuation per account, removing flat symbols', async () => {
    const view = new PortfolioRedisView(stores.redis, stores.redisPrefix);
    const book = AccountBook.open('A', 'USD', m('1000'), 0n);
    const valuation = book.valuation();
    await view.write([
      {
        accountId: 'A',
        version: 1n,
        positions: [position('A', 'AAA'), position('A', 'BBB', { quantity: 5n })],
        valuation,
        asOfUnixNanos: 9n,
      },
    ]);
    expect(await view.positions('A')).toEqual({ AAA: '-12.5', BBB: '0.00000005' });
    await view.write([
      {
        accountId: 'A',
        version: 2n,
        positions: [position('A', 'BBB', { quantity: 0n })],
        valuation,
        asOfUnixNanos: 10n,
      },
    ]);
    expect(await view.positions('A')).toEqual({ AAA: '-12.5' });
    expect(await view.account('A')).toMatchObject({
      equity: '1000',
      drawdown: '0',
      version: '2',
      as_of_unix_nanos: '10',
    });
    expect(await stores.redis.exists(`${stores.redisPrefix}:{A}:positions`)).toBe(1);
  });
});
