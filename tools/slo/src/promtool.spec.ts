import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ruleGroups, RULE_TESTS_DIR, rulesFile, SLOS, type Slo } from './index';
import { ensurePrometheus, inBatches, run } from './testing/prometheus.process';
import { REPO_ROOT } from './outputs';

/** The committed files (generate.spec.ts proves they are what the spec generates). */
const ruleFiles = SLOS.map((slo) => join(REPO_ROOT, rulesFile(slo)));
const testFiles = readdirSync(join(REPO_ROOT, RULE_TESTS_DIR))
  .filter((f) => f.endsWith('.test.yaml'))
  .sort();

beforeAll(() => ensurePrometheus());

describe('promtool check rules', () => {
  it.each(SLOS.map((slo) => [slo.name, slo] as const))(
    'accepts the rules of %s',
    async (_name: string, slo: Slo) => {
      const result = await run('promtool', ['check', 'rules', join(REPO_ROOT, rulesFile(slo))]);
      expect(result.stderr).toBe('');
      const count = ruleGroups([slo]).reduce((n, g) => n + g.rules.length, 0);
      expect(result.stdout).toContain(`SUCCESS: ${count} rules found`);
      expect(result.code).toBe(0);
    },
  );

  it('rejects a rule file with a broken expression (the check can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slo-check-'));
    try {
      const broken = readFileSync(ruleFiles[0] ?? '', 'utf8').replace('sum(rate(', 'sum(rate((');
      writeFileSync(join(dir, 'broken.yaml'), broken);
      const result = await run('promtool', ['check', 'rules', join(dir, 'broken.yaml')]);
      expect(result.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('promtool test rules', () => {
  it('has a test file per SLO and time scale', () => {
    expect(testFiles).toEqual(
      SLOS.flatMap((s) => [`${s.name}.days.test.yaml`, `${s.name}.test.yaml`]).sort(),
    );
  });

  it('passes every burn-rate scenario (fast and slow burns fire; just-under burns and blips stay quiet)', async () => {
    const results = await inBatches(
      testFiles.map(
        (file) => () => run('promtool', ['test', 'rules', file], join(REPO_ROOT, RULE_TESTS_DIR)),
      ),
      2,
    );
    const failed = results
      .map((r, i) => ({ file: testFiles[i], ...r }))
      .filter((r) => r.code !== 0)
      .map((r) => `${r.file ?? '?'}:\n${r.stdout}${r.stderr}`);
    expect(failed).toEqual([]);
    for (const r of results) expect(r.stdout).toContain('SUCCESS');
  });

  /**
   * The same tests against rules whose thresholds were changed: they must fail, or they would
   * not be proving anything about the thresholds.
   */
  describe('against tampered rules', () => {
    let dir = '';
    const found = SLOS.find((s) => s.name === 'order-api-availability');
    if (found === undefined) throw new Error('no availability SLO');
    const slo: Slo = found;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'slo-tamper-'));
      cpSync(join(REPO_ROOT, 'tools/slo/tests'), join(dir, 'tools/slo/tests'), { recursive: true });
      cpSync(
        join(REPO_ROOT, 'charts/meridian/files/prometheus'),
        join(dir, 'charts/meridian/files/prometheus'),
        {
          recursive: true,
        },
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    async function testWith(
      replace: [string, string],
      testFile = `${slo.name}.test.yaml`,
    ): Promise<string> {
      const path = join(dir, rulesFile(slo));
      const original = readFileSync(join(REPO_ROOT, rulesFile(slo)), 'utf8');
      expect(original).toContain(replace[0]);
      writeFileSync(path, original.replaceAll(replace[0], replace[1]));
      const result = await run('promtool', ['test', 'rules', testFile], join(dir, RULE_TESTS_DIR));
      expect(result.code).not.toBe(0);
      return result.stdout + result.stderr;
    }

    it('fails the fast-burn test when the 1h/5m threshold is doubled', async () => {
      const out = await testWith(['> 0.0072', '> 0.0144']);
      expect(out).toMatch(/fast burn \(20x\)/);
    });

    it('fails the just-under test when the 6h/30m threshold is halved', async () => {
      const out = await testWith(['> 0.003', '> 0.0015']);
      expect(out).toMatch(/just under 6x/);
    });

    it('fails the 3-day tests when the ticket threshold is doubled or halved', async () => {
      expect(await testWith(['> 0.0005', '> 0.001'], `${slo.name}.days.test.yaml`)).toMatch(
        /slow burn \(2x\) over days opens a ticket/,
      );
      expect(await testWith(['> 0.0005', '> 0.00025'], `${slo.name}.days.test.yaml`)).toMatch(
        /just under 1x for three days/,
      );
    });

    it('fails the blip test when the page ignores the long window', async () => {
      // `1h > x and 5m > x` → `5m > x and 5m > x`: the 10-minute blip now pages.
      const out = await testWith([
        'sli:order_api_availability_errors:ratio_rate1h > 0.0072',
        'sli:order_api_availability_errors:ratio_rate5m > 0.0072',
      ]);
      expect(out).toMatch(/10-minute blip/);
    });
  });
});
