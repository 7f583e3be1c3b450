import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The repository root (libs/shared/testing/src → four levels up). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** A port nobody listens on right now (the OS picks it; racy only against other port pickers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The exit code once the process has ended (null when a signal ended it). */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** A service started as its own Node process, the way `nx run <app>:serve` starts it. */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** What the process wrote so far (logs and crashes; printed when it misbehaves). */
  output(): string;
}

/** Spawns `apps/<app>/src/main.ts` through @swc-node/register with `env` on top of ours. */
export function startService(app: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${app}/src/main.ts`], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', SWC_NODE_PROJECT: 'tsconfig.base.json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The logger writes JSON lines to stdout, crashes land on stderr: keep both, in order.
  let output = '';
  const keep = (chunk: Buffer) => (output += chunk.toString());
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name: app, child, output: () => output };
}

/** Sends SIGTERM and returns the exit code (SIGKILL after `timeoutMs`: a hung shutdown is a failure). */
export async function stopService(
  service: ServiceProcess,
  timeoutMs = 20_000,
): Promise<number | null> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  return code;
}

/** True when the ops server of a service answers /health/ready with 200. */
export async function isReady(opsPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => null);
  return response?.status === 200;
}
