import { createRiskTestSchema } from '@meridian/risk-data-access/testing';
import { PostTradeLimitsRepository } from '@meridian/risk-data-access';
import type { TestSchema } from '@meridian/shared-persistence/testing';
import { runLimitsCli } from './limits-cli';

let pg: TestSchema;

beforeAll(async () => {
  pg = await createRiskTestSchema('risk_cli');
});

afterAll(async () => {
  await pg.drop();
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLimitsCli(argv, () => Promise.resolve(pg.db), {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('limits CLI', () => {
  it('sets, shows (text and JSON) and removes limits, audited', async () => {
    const set = await cli(
      'set',
      '--account',
      'acct-9',
      '--max-daily-loss',
      '50000.00',
      '--max-drawdown-pct',
      '7.5',
      '--gross-exposure-action',
      'HALTED',
      '--max-gross-exposure',
      '2000000',
      '--by',
      'ops:alice',
      '--reason',
      'desk review',
    );
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toContain(
      'acct-9\tDAILY_LOSS=50000.00->HALTED DRAWDOWN=- DRAWDOWN_PCT=7.5%->REDUCING GROSS_EXPOSURE=2000000->HALTED\tby ops:alice',
    );
    expect(
      (await cli('set', '--account', '*', '--max-drawdown', '1000', '--by', 'ops:bob')).code,
    ).toBe(0);

    const shown = await cli('show', '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toEqual([
      expect.objectContaining({ accountId: '*', maxDrawdown: '1000', updatedBy: 'ops:bob' }),
      expect.objectContaining({
        accountId: 'acct-9',
        maxDailyLoss: '50000.00',
        maxDrawdownPct: '7.5',
        maxGrossExposure: '2000000',
        reason: 'desk review',
      }),
    ]);
    expect((await cli('show', '--account', 'acct-9')).out).toMatch(/^acct-9\tDAILY_LOSS=50000.00/);
    expect((await cli('show', '--account', 'nobody')).out).toBe('no limits for nobody');

    expect(await cli('remove', '--account', 'acct-9', '--by', 'ops:carol')).toMatchObject({
      code: 0,
      out: 'removed the limits of acct-9',
    });
    expect((await cli('remove', '--account', 'acct-9', '--by', 'ops:carol')).out).toBe(
      'acct-9 had no limits of its own',
    );
    const history = await new PostTradeLimitsRepository(pg.db).history('acct-9');
    expect(history.map((h) => h.updatedBy)).toEqual(['ops:alice', 'ops:carol']);
  });

  it.each([
    [
      ['set', '--account', 'a', '--max-daily-loss', '1e6', '--by', 'x'],
      'error: --max-daily-loss: "1e6" is not a plain decimal number',
    ],
    [
      ['set', '--account', 'a', '--max-daily-loss=-500', '--by', 'x'],
      'error: --max-daily-loss: "-500" must be above 0',
    ],
    [
      ['set', '--account', 'a', '--max-daily-loss', '-500', '--by', 'x'],
      "error: Option '--max-daily-loss' argument is ambiguous",
    ],
    [
      ['set', '--account', 'a', '--max-drawdown', '0', '--by', 'x'],
      'error: --max-drawdown: "0" must be above 0',
    ],
    [
      ['set', '--account', 'a', '--max-drawdown-pct', '120', '--by', 'x'],
      'error: --max-drawdown-pct: "120" is a percentage of the high-water mark and must be at most 100',
    ],
    [
      ['set', '--account', 'a', '--max-gross-exposure', '1,000', '--by', 'x'],
      'error: --max-gross-exposure: "1,000" is not a plain decimal number',
    ],
    [
      ['set', '--account', 'a', '--max-daily-loss', '1.0000000000000000001', '--by', 'x'],
      'error: --max-daily-loss: "1.0000000000000000001" has more than 18 digits after the point',
    ],
    [
      [
        'set',
        '--account',
        'a',
        '--max-daily-loss',
        '5',
        '--daily-loss-action',
        'halted',
        '--by',
        'x',
      ],
      'error: --daily-loss-action: "halted" is not a breach action; expected REDUCING or HALTED',
    ],
    [
      ['set', '--account', 'bad id', '--max-daily-loss', '5', '--by', 'x'],
      'error: --account: "bad id" is not "*" (the default) or 1-64 of A-Z a-z 0-9 _ . -',
    ],
    [['set', '--account', 'a', '--by', 'x'], 'error: give at least one limit'],
    [['set', '--max-daily-loss', '5', '--by', 'x'], 'error: --account is required'],
    [['set', '--account', 'a', '--max-daily-loss', '5'], 'error: --by is required'],
    [
      ['set', '--account', 'a', '--max-loss', '5', '--by', 'x'],
      "error: Unknown option '--max-loss'",
    ],
    [['halt', '--account', 'a'], 'error: unknown command "halt"; expected set, show or remove'],
    [['show', 'extra'], 'error: unexpected argument "extra"'],
    [[], 'Usage: limits <command>'],
  ])('refuses %j with a precise message and exit code 2', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(`${result.err}${result.out}`).toContain(message);
  });

  it('changes nothing on bad input', async () => {
    await cli('set', '--account', 'keep', '--max-daily-loss', '100', '--by', 'x');
    await cli('set', '--account', 'keep', '--max-daily-loss', 'abc', '--by', 'x');
    expect((await new PostTradeLimitsRepository(pg.db).get('keep'))?.limits.thresholds).toEqual({
      DAILY_LOSS: { units: 100n, scale: 0 },
    });
  });

  it('prints usage for --help with exit code 0', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--max-drawdown-pct <percent>');
  });
});
