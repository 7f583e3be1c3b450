import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DASHBOARDS_DIR, generatedFiles, REPO_ROOT, SLOS, rulesFile } from './index';
import { run } from './testing/prometheus.process';
import { staleFiles, writeGenerated } from './generate';

describe('generate.ts', () => {
  // Formatting every file with Prettier is the slow part: generate once, reuse below.
  let generated = new Map<string, string>();
  beforeAll(async () => {
    generated = await generatedFiles();
  });

  it('is deterministic: two runs give the same bytes', async () => {
    const again = await generatedFiles();
    expect([...again.entries()]).toEqual([...generated.entries()]);
  });

  it('matches the committed outputs (--check passes)', async () => {
    const result = await run(join(REPO_ROOT, 'node_modules/.bin/tsx'), [
      'tools/slo/src/generate.ts',
      '--check',
    ]);
    expect(result.stdout).toContain('SLO outputs are up to date');
    expect(result.code).toBe(0);
  });

  it('reports changed, missing and no-longer-generated files as stale', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slo-generate-'));
    try {
      const written = await writeGenerated(root, generated);
      expect(await staleFiles(root, generated)).toEqual([]);
      const [changed = '', missing = ''] = written;
      writeFileSync(join(root, changed), `${readFileSync(join(root, changed), 'utf8')}# edited\n`);
      rmSync(join(root, missing));
      writeFileSync(join(root, DASHBOARDS_DIR, 'old.json'), '{}');
      expect(await staleFiles(root, generated)).toEqual(
        [changed, missing, `${DASHBOARDS_DIR}/old.json`].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('writes each rules file as the `groups:` document a PrometheusRule spec embeds', () => {
    for (const slo of SLOS) {
      const doc = parse(readFileSync(join(REPO_ROOT, rulesFile(slo)), 'utf8')) as unknown;
      expect(Object.keys(doc as object)).toEqual(['groups']);
      expect((doc as { groups: { name: string }[] }).groups.map((g) => g.name)).toEqual([
        `slo-${slo.name}`,
      ]);
    }
  });
});
