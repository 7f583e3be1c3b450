/**
 * Production build of one service (the `build` target of apps/<app>, and the build stage of
 * deploy/docker/Dockerfile). Every runtime file is compiled by SWC with the same options the dev
 * runtime (@swc-node/register) uses, decorator metadata included (NestJS DI needs it; esbuild
 * cannot emit it). Files are compiled one to one, not bundled, so that:
 * - paths relative to `__dirname` keep working (migrations/, proto/, worker entry files);
 * - third-party packages stay in node_modules, where OpenTelemetry's require hooks patch them.
 *
 * Output (dist/apps/<app>):
 *   main.js, *.js            the app's src/ (reachable files only), inline source maps
 *   node_modules/@meridian/* each workspace lib the app reaches, as a package of .js files whose
 *                            package.json exports point at .js; non-TS assets copied verbatim
 *   package.json             name, main, and the third-party packages the build found required
 * Third-party packages come from `npm ci --omit=dev` (the image's deps stage), or from the
 * repository's node_modules when the output is run in place.
 */
import { readDefaultTsConfig } from '@swc-node/register/read-default-tsconfig';
import { compile } from '@swc-node/register/register';
import { ModuleKind } from 'typescript';
import { builtinModules } from 'node:module';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A workspace package (npm workspace with a package.json). */
export interface WorkspacePackage {
  readonly name: string;
  /** Absolute directory. */
  readonly dir: string;
  readonly manifest: PackageManifest;
}

interface PackageManifest {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly exports?: unknown;
  readonly workspaces?: unknown;
  readonly dependencies?: unknown;
  readonly devDependencies?: unknown;
}

export interface AppBuildOptions {
  /** Repository root (holds package.json with workspaces and tsconfig.base.json). */
  readonly root: string;
  /** App name: the folder under apps/. */
  readonly app: string;
  /** Output directory; default <root>/dist/apps/<app>. Emptied first. */
  readonly outDir?: string;
}

export interface AppBuildResult {
  readonly outDir: string;
  /** Workspace libs packaged under node_modules/@meridian. */
  readonly libs: readonly string[];
  /** Third-party packages required at run time, with the version the root package.json pins. */
  readonly dependencies: Readonly<Record<string, string>>;
  /** Compiled .ts files (app and libs). */
  readonly compiledFiles: number;
}

/** A build that would produce an image that cannot start: reported with the offending file. */
export class AppBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppBuildError';
  }
}

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** Files that never ship: tests, test helpers, and tooling configs. */
const NON_RUNTIME_FILE =
  /(\.spec\.ts|\.test\.ts|\.d\.ts|^testing\.ts|^jest\.config\.cjs|^project\.json|^tsconfig(\..+)?\.json|^package\.json|^README\.md|\.sh)$/;
const NON_RUNTIME_DIR = new Set(['node_modules', 'testing', '__fixtures__', 'dist', '.build']);
/** Worker-thread entry points are loaded by path, not imported: compile them by convention. */
const WORKER_FILE = /\.worker\.ts$/;

function readJson(path: string): PackageManifest {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageManifest;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Expands the root package.json `workspaces` globs (only `dir/*` and literal paths are used). */
export function listWorkspacePackages(root: string): Map<string, WorkspacePackage> {
  const rootManifest = readJson(join(root, 'package.json'));
  const globs = Array.isArray(rootManifest.workspaces) ? rootManifest.workspaces : [];
  const dirs: string[] = [];
  for (const glob of globs) {
    if (typeof glob !== 'string') continue;
    if (glob.endsWith('/*')) {
      const parent = join(root, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true }))
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
    } else {
      dirs.push(join(root, glob));
    }
  }
  const packages = new Map<string, WorkspacePackage>();
  for (const dir of dirs) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = readJson(file);
    if (typeof manifest.name === 'string')
      packages.set(manifest.name, { name: manifest.name, dir, manifest });
  }
  return packages;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Maps each subpath export of a workspace package to its source file. */
function exportTargets(pkg: WorkspacePackage): Map<string, string> {
  const out = new Map<string, string>();
  const { exports } = pkg.manifest;
  if (typeof exports === 'string') out.set('.', join(pkg.dir, exports));
  else
    for (const [subpath, target] of Object.entries(stringRecord(exports)))
      out.set(subpath, join(pkg.dir, target));
  return out;
}

function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base])
    if (existsSync(candidate) && statSync(candidate).isFile() && candidate.endsWith('.ts'))
      return candidate;
  return undefined;
}

/** Runtime `require("…")` specifiers of compiled CommonJS (type-only imports are already gone). */
export function requiredSpecifiers(code: string): string[] {
  const out = new Set<string>();
  for (const match of code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g))
    if (match[1] !== undefined) out.add(match[1]);
  return [...out];
}

/** Compiles like the dev runtime (@swc-node/register with tsconfig.base.json), to CommonJS with an inline source map. */
function compileFile(root: string, file: string, source: string): string {
  const options = {
    ...readDefaultTsConfig(join(root, 'tsconfig.base.json')),
    module: ModuleKind.CommonJS,
  };
  return compile(source, file, options as Parameters<typeof compile>[2]);
}

function walkFiles(dir: string, visit: (file: string) => void): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NON_RUNTIME_DIR.has(entry.name)) walkFiles(path, visit);
    } else if (entry.isFile()) visit(path);
  }
}

/**
 * Builds apps/<app> into a runnable directory. Fails (AppBuildError) when a runtime file requires
 * something the production install will not have: a devDependency, an undeclared package, a
 * workspace package's non-exported path, or a `/testing` entry point.
 */
export function buildApp(options: AppBuildOptions): AppBuildResult {
  const root = resolve(options.root);
  const appDir = join(root, 'apps', options.app);
  const entry = join(appDir, 'src', 'main.ts');
  if (!existsSync(entry)) throw new AppBuildError(`apps/${options.app}/src/main.ts does not exist`);
  const outDir = resolve(options.outDir ?? join(root, 'dist', 'apps', options.app));
  const rootManifest = readJson(join(root, 'package.json'));
  const prodDeps = stringRecord(rootManifest.dependencies);
  const devDeps = stringRecord(rootManifest.devDependencies);
  const workspace = listWorkspacePackages(root);
  const byDir = [...workspace.values()];
  const ownerOf = (file: string): WorkspacePackage | undefined =>
    byDir.find((p) => file.startsWith(p.dir + sep));

  const appPackage = ownerOf(entry);
  const queue: string[] = [entry];
  const seen = new Set<string>();
  const libs = new Map<string, WorkspacePackage>();
  const dependencies: Record<string, string> = {};
  const compiled = new Map<string, string>();
  const where = (file: string): string => relative(root, file);

  const enqueueLib = (pkg: WorkspacePackage): void => {
    if (libs.has(pkg.name)) return;
    libs.set(pkg.name, pkg);
    // Worker entry files are referenced by path (new Worker(join(__dirname, ...))).
    walkFiles(join(pkg.dir, 'src'), (file) => {
      if (WORKER_FILE.test(file)) queue.push(file);
    });
  };

  while (queue.length > 0) {
    const file = queue.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const code = compileFile(root, file, source);
    compiled.set(file, code);
    for (const specifier of requiredSpecifiers(code)) {
      if (specifier.startsWith('.')) {
        const target = resolveRelative(file, specifier);
        if (target === undefined)
          throw new AppBuildError(`${where(file)}: cannot resolve '${specifier}'`);
        const owner = ownerOf(target);
        if (owner !== ownerOf(file))
          throw new AppBuildError(
            `${where(file)}: '${specifier}' reaches into another package; import it by name`,
          );
        queue.push(target);
        continue;
      }
      if (BUILTINS.has(specifier)) continue;
      const name = packageNameOf(specifier);
      const pkg = workspace.get(name);
      if (pkg !== undefined) {
        const subpath = `.${specifier.slice(name.length)}`;
        if (subpath === './testing')
          throw new AppBuildError(`${where(file)}: production code requires '${specifier}'`);
        const target = exportTargets(pkg).get(subpath);
        if (target === undefined || !existsSync(target))
          throw new AppBuildError(`${where(file)}: '${specifier}' is not exported by ${name}`);
        if (pkg.name === '@meridian/shared-testing')
          throw new AppBuildError(`${where(file)}: production code requires '${specifier}'`);
        enqueueLib(pkg);
        queue.push(target);
        continue;
      }
      const version = prodDeps[name];
      if (version === undefined)
        throw new AppBuildError(
          devDeps[name] !== undefined
            ? `${where(file)}: requires devDependency '${name}' (absent from the production install)`
            : `${where(file)}: requires '${name}', which the root package.json does not declare`,
        );
      dependencies[name] = version;
    }
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const appSrc = join(appDir, 'src');
  const destinationOf = (file: string): string => {
    const owner = ownerOf(file);
    if (owner === appPackage && file.startsWith(appSrc + sep))
      return join(outDir, relative(appSrc, file));
    if (owner === undefined || owner === appPackage)
      throw new AppBuildError(`${where(file)}: outside apps/${options.app}/src and every lib`);
    return join(outDir, 'node_modules', owner.name, relative(owner.dir, file));
  };
  for (const [file, code] of compiled) {
    const out = destinationOf(file).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
  for (const pkg of libs.values()) {
    const libOut = join(outDir, 'node_modules', pkg.name);
    // Assets next to the sources (migrations/, proto/, *.sql, *.json data) ship verbatim.
    walkFiles(pkg.dir, (file) => {
      const name = file.slice(dirname(file).length + 1);
      if (file.endsWith('.ts') || NON_RUNTIME_FILE.test(name)) return;
      const out = join(libOut, relative(pkg.dir, file));
      mkdirSync(dirname(out), { recursive: true });
      cpSync(file, out);
    });
    const exportsJs: Record<string, string> = {};
    for (const [subpath, target] of exportTargets(pkg))
      if (compiled.has(target))
        exportsJs[subpath] = `./${relative(pkg.dir, target).replace(/\.ts$/, '.js')}`;
    writeFileSync(
      join(libOut, 'package.json'),
      `${JSON.stringify(
        {
          name: pkg.name,
          version: pkg.manifest.version ?? '0.0.0',
          private: true,
          type: 'commonjs',
          main: exportsJs['.'],
          exports: exportsJs,
        },
        null,
        2,
      )}\n`,
    );
  }
  const sortedDeps = Object.fromEntries(
    Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)),
  );
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify(
      {
        name: `@meridian/${options.app}`,
        version: appPackage?.manifest.version ?? '0.0.0',
        private: true,
        type: 'commonjs',
        main: 'main.js',
        engines: { node: '>=24 <25' },
        dependencies: sortedDeps,
      },
      null,
      2,
    )}\n`,
  );
  return {
    outDir,
    libs: [...libs.keys()].sort(),
    dependencies: sortedDeps,
    compiledFiles: compiled.size,
  };
}
