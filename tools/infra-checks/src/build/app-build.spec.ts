import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createPgPool } from '@meridian/shared-persistence';
import { testPgOptions } from '@meridian/shared-persistence/testing';
import { exited, freePort, kafkaBrokers, uniqueName, waitFor } from '@meridian/shared-testing';
import { AppBuildError, buildApp, packageNameOf, requiredSpecifiers } from './app-build';

const ROOT = join(__dirname, '..', '..', '..', '..');
// Inside the repository so the output resolves third-party packages from the root node_modules,
// like the image resolves them from /app/node_modules.
const OUT = join(ROOT, 'dist', '.infra-checks', uniqueName('build'));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('app build (the image build stage)', () => {
  const schema = uniqueName('imgstore');
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(OUT, { recursive: true, force: true });
    const admin = await createPgPool({ ...testPgOptions(), maxConnections: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.close();
  });

  it('compiles order-store to JavaScript with its libs packaged under node_modules/@meridian', () => {
    const out = join(OUT, 'order-store');
    const result = buildApp({ root: ROOT, app: 'order-store', outDir: out });
    expect(result.libs).toEqual(
      expect.arrayContaining([
        '@meridian/contracts',
        '@meridian/orders-data-access',
        '@meridian/shared-observability',
      ]),
    );
    expect(result.libs).not.toContain('@meridian/shared-testing');
    expect(result.dependencies).toMatchObject({
      kafkajs: '2.2.4',
      pg: expect.any(String) as string,
    });
    const files = listFiles(out).map((f) => relative(out, f));
    expect(files).toContain('main.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => /spec\.js$|testing\.js$/.test(f))).toEqual([]);
    // Assets next to the sources ship: migrations and protos.
    expect(
      files.some((f) => f.startsWith('node_modules/@meridian/orders-data-access/migrations/')),
    ).toBe(true);
    expect(files.some((f) => f.startsWith('node_modules/@meridian/contracts/proto/'))).toBe(true);
    const lib = JSON.parse(
      readFileSync(join(out, 'node_modules/@meridian/shared-config/package.json'), 'utf8'),
    ) as { exports: Record<string, string> };
    expect(lib.exports['.']).toBe('./src/index.js');
    expect(lib.exports['./testing']).toBeUndefined();
  });

  it('the compiled order-store boots with plain node, gets ready, and drains on SIGTERM', async () => {
    const out = join(OUT, 'order-store');
    const pg = testPgOptions();
    const opsPort = await freePort();
    child = spawn(process.execPath, ['--enable-source-maps', 'main.js'], {
      cwd: out,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        METRICS_PORT: String(opsPort),
        KAFKA_BROKERS: kafkaBrokers().join(','),
        PGHOST: pg.host ?? '127.0.0.1',
        PGPORT: String(pg.port ?? 5432),
        PGUSER: pg.user ?? 'postgres',
        PGDATABASE: pg.database ?? 'test',
        ORDER_STORE_DB_SCHEMA: schema,
        ORDER_STORE_GROUP_ID: uniqueName('imgstore-group'),
        ORDER_STORE_DRAIN_DELAY: '0s',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(
      'the built order-store to be ready',
      async () => {
        if (child?.exitCode !== null) throw new Error(`exited: ${stderr}`);
        return (
          (await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => null))?.status ===
          200
        );
      },
      45_000,
      200,
    );
    expect((await fetch(`http://127.0.0.1:${opsPort}/health/live`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('refuses an app without main.ts', () => {
    expect(() => buildApp({ root: ROOT, app: 'no-such-app', outDir: join(OUT, 'x') })).toThrow(
      AppBuildError,
    );
  });

  describe('refuses code the production install cannot run', () => {
    const fixture = join(OUT, 'fixture');
    const write = (path: string, text: string): void => {
      mkdirSync(join(fixture, path, '..'), { recursive: true });
      writeFileSync(join(fixture, path), text);
    };
    beforeAll(() => {
      write(
        'package.json',
        JSON.stringify({
          workspaces: ['apps/*', 'libs/*'],
          dependencies: { pg: '8.0.0' },
          devDependencies: { jest: '30.0.0' },
        }),
      );
      writeFileSync(
        join(fixture, 'tsconfig.base.json'),
        readFileSync(join(ROOT, 'tsconfig.base.json')),
      );
      write(
        'libs/util/package.json',
        JSON.stringify({
          name: '@fx/util',
          exports: { '.': './src/index.ts', './testing': './src/testing.ts' },
        }),
      );
      write('libs/util/src/index.ts', 'export const one = 1;\n');
      write('libs/util/src/testing.ts', 'export const two = 2;\n');
      write(
        'libs/util/src/engine.worker.ts',
        "import { one } from './index';\nexport const w = one;\n",
      );
      write('libs/util/migrations/0001.sql', 'select 1;\n');
    });

    const app = (name: string, main: string): string => {
      write(`apps/${name}/package.json`, JSON.stringify({ name: `@fx/${name}` }));
      write(`apps/${name}/src/main.ts`, main);
      return name;
    };
    const build = (name: string) =>
      buildApp({ root: fixture, app: name, outDir: join(fixture, 'dist', name) });

    it('builds a good app, with worker entries and assets', () => {
      const result = build(
        app(
          'good',
          "import { one } from '@fx/util';\nimport pg from 'pg';\nexport const x = [one, pg];\n",
        ),
      );
      expect(result).toMatchObject({ libs: ['@fx/util'], dependencies: { pg: '8.0.0' } });
      expect(
        existsSync(join(fixture, 'dist/good/node_modules/@fx/util/src/engine.worker.js')),
      ).toBe(true);
      expect(existsSync(join(fixture, 'dist/good/node_modules/@fx/util/migrations/0001.sql'))).toBe(
        true,
      );
    });
    it('a devDependency', () => {
      expect(() =>
        build(app('dev', "import { expect } from 'jest';\nexport const x = expect;\n")),
      ).toThrow(/devDependency 'jest'/);
    });
    it('an undeclared package', () => {
      expect(() =>
        build(app('undeclared', "import x from 'left-pad';\nexport const y = x;\n")),
      ).toThrow(/does not declare/);
    });
    it('a /testing entry point', () => {
      expect(() =>
        build(app('testing', "import { two } from '@fx/util/testing';\nexport const y = two;\n")),
      ).toThrow(/production code requires/);
    });
    it('a path the lib does not export', () => {
      expect(() =>
        build(app('deep', "import { one } from '@fx/util/src/index';\nexport const y = one;\n")),
      ).toThrow(/not exported/);
    });
    it('a relative import into another package, and one that does not resolve', () => {
      expect(() =>
        build(
          app(
            'reach',
            "import { one } from '../../../libs/util/src/index';\nexport const y = one;\n",
          ),
        ),
      ).toThrow(/another package/);
      expect(() =>
        build(app('missing', "import { one } from './nope';\nexport const y = one;\n")),
      ).toThrow(/cannot resolve/);
    });
    it('type-only imports are not runtime requirements', () => {
      expect(() =>
        build(
          app(
            'types',
            "import type { Expect } from 'jest';\nexport type Y = Expect;\nexport const z = 1;\n",
          ),
        ),
      ).not.toThrow();
    });
  });

  it('parses require() specifiers and package names', () => {
    expect(
      requiredSpecifiers('const a = require("x"); require(\'@s/y/z\'); require("x");'),
    ).toEqual(['x', '@s/y/z']);
    expect(packageNameOf('@s/y/z')).toBe('@s/y');
    expect(packageNameOf('lodash/fp')).toBe('lodash');
  });
});
