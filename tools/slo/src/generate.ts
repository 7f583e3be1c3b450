/**
 * Writes the generated SLO files (Prometheus rules, promtool rule tests, Grafana dashboards).
 *   npx tsx tools/slo/src/generate.ts           write them
 *   npx tsx tools/slo/src/generate.ts --check   exit 1 when a committed file is stale or missing
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GENERATED_DIRS, generatedFiles, REPO_ROOT } from './outputs';

/** Files under `root` that differ from what is generated: changed, missing, or no longer generated. */
export async function staleFiles(
  root = REPO_ROOT,
  generated?: ReadonlyMap<string, string>,
): Promise<string[]> {
  const files = generated ?? (await generatedFiles());
  const stale: string[] = [];
  for (const [path, content] of files) {
    const absolute = join(root, path);
    if (!existsSync(absolute) || readFileSync(absolute, 'utf8') !== content) stale.push(path);
  }
  for (const dir of GENERATED_DIRS) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir)))
      if (!files.has(`${dir}/${name}`)) stale.push(`${dir}/${name}`);
  }
  return stale.sort();
}

/** Writes every generated file and removes the ones no longer generated. */
export async function writeGenerated(
  root = REPO_ROOT,
  generated?: ReadonlyMap<string, string>,
): Promise<string[]> {
  const files = generated ?? (await generatedFiles());
  for (const dir of GENERATED_DIRS) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir)))
      if (!files.has(`${dir}/${name}`)) rmSync(join(root, dir, name));
  }
  for (const [path, content] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return [...files.keys()];
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const stale = await staleFiles();
    if (stale.length > 0) {
      console.error(
        `SLO outputs are stale (run \`npx tsx tools/slo/src/generate.ts\`):\n  ${stale.join('\n  ')}`,
      );
      process.exit(1);
    }
    console.log('SLO outputs are up to date');
    return;
  }
  const written = await writeGenerated();
  console.log(`wrote ${written.length} files:\n  ${written.join('\n  ')}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
