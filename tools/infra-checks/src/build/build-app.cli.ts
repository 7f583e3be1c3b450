/**
 * `node -r @swc-node/register tools/infra-checks/src/build/build-app.cli.ts <app> [--out <dir>]`
 * (the `build` target of each app; also run inside the image build stage).
 */
import { resolve } from 'node:path';
import { AppBuildError, buildApp } from './app-build';

function main(argv: readonly string[]): number {
  const [app, ...rest] = argv;
  if (app === undefined || app.startsWith('-')) {
    process.stderr.write('usage: build-app.cli.ts <app> [--out <dir>]\n');
    return 2;
  }
  const outIndex = rest.indexOf('--out');
  const outDir = outIndex >= 0 ? rest[outIndex + 1] : undefined;
  const root = resolve(__dirname, '..', '..', '..', '..');
  try {
    const result = buildApp({ root, app, ...(outDir === undefined ? {} : { outDir }) });
    process.stdout.write(
      `${app}: ${result.compiledFiles} files, libs ${result.libs.join(' ')} → ${result.outDir}\n`,
    );
    return 0;
  } catch (error: unknown) {
    if (error instanceof AppBuildError) {
      process.stderr.write(`build ${app} failed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
