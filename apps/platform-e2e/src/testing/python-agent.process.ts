import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT as ROOT } from '@meridian/shared-testing';

/**
 * The system interpreter: Debian's python3-grpcio and python3-protobuf live in its
 * dist-packages, which a pyenv python3 earlier on PATH does not see.
 */
export const PYTHON = '/usr/bin/python3';
const CLIENT_DIR = join(ROOT, 'clients', 'python');
const run = promisify(execFile);

/** Generates the Python stubs from libs/contracts/proto into `outDir` (protoc + grpc_python_plugin). */
export async function generatePythonStubs(outDir: string): Promise<void> {
  try {
    await run('bash', [join(CLIENT_DIR, 'generate.sh'), outDir], { cwd: ROOT });
    await run(PYTHON, ['-c', 'import grpc, google.protobuf'], { cwd: ROOT });
  } catch (error) {
    throw new Error(
      `the Python gRPC toolchain is missing (run tools/scripts/ensure-python-grpc.sh): ${String(error)}`,
    );
  }
}

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs clients/python/meridian_agent.py with the stubs of `stubsDir`; never rejects on exit codes. */
export async function runPythonAgent(
  args: readonly string[],
  stubsDir: string,
  timeoutMs: number,
): Promise<AgentRun> {
  try {
    const { stdout, stderr } = await run(PYTHON, [join(CLIENT_DIR, 'meridian_agent.py'), ...args], {
      cwd: CLIENT_DIR,
      env: { ...process.env, MERIDIAN_PY_STUBS: stubsDir, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: unknown; stderr?: unknown };
    return {
      code: typeof failed.code === 'number' ? failed.code : null,
      stdout: typeof failed.stdout === 'string' ? failed.stdout : '',
      stderr: typeof failed.stderr === 'string' ? failed.stderr : String(error),
    };
  }
}
