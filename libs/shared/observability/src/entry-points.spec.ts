import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const WORKSPACE = resolve(__dirname, '../../../..');

/** Loads `specifier` in a fresh Node process and lists the package roots it pulled in. */
function packagesLoadedBy(specifier: string): string[] {
  const script = `
    require(${JSON.stringify(specifier)});
    const roots = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file);
      if (m) roots.add(m[1]);
    }
    process.stdout.write(JSON.stringify([...roots]));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: WORKSPACE,
    encoding: 'utf8',
    // The workspace root has no tsconfig.json; tsx needs this lib's for decorators.
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      TSX_TSCONFIG_PATH: resolve(__dirname, '../tsconfig.json'),
    },
  });
  return JSON.parse(out) as string[];
}

// Each case starts a Node process that compiles TypeScript on the fly.
jest.setTimeout(30_000);

describe('entry points', () => {
  // Instrumentations patch pg/ioredis/kafka clients when they are first required after
  // startTelemetry; the main entry must not load them (or NestJS, which is ESM-only) itself.
  it('the main entry loads no instrumented client library and no NestJS', () => {
    const loaded = packagesLoadedBy('@meridian/shared-observability');
    expect(loaded).toEqual(
      expect.arrayContaining(['@opentelemetry/sdk-node', 'pino', 'prom-client']),
    );
    for (const banned of [
      'pg',
      'ioredis',
      'kafkajs',
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/terminus',
    ]) {
      expect(loaded).not.toContain(banned);
    }
  });

  it('the nest entry loads NestJS and terminus', () => {
    const loaded = packagesLoadedBy('@meridian/shared-observability/nest');
    expect(loaded).toEqual(expect.arrayContaining(['@nestjs/common', '@nestjs/terminus']));
  });
});
