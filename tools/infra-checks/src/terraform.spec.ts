import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const TF = join(ROOT, 'terraform');
const REGIONS = ['us-central1', 'us-east1'];
const MODULES = ['vpc', 'gke', 'node-pools', 'artifact-registry', 'service-accounts'];

/** `terraform fmt -check -recursive <dir>`: exit code 0 when formatted (providers not needed). */
function fmtCheck(dir: string): { ok: boolean; files: string } {
  try {
    const files = execFileSync('terraform', ['fmt', '-check', '-recursive', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    });
    return { ok: true, files };
  } catch (error: unknown) {
    const stdout = (error as { stdout?: string }).stdout ?? '';
    return { ok: false, files: stdout };
  }
}

describe('terraform', () => {
  it('`terraform fmt -check -recursive terraform` is clean', () => {
    expect(fmtCheck(TF)).toEqual({ ok: true, files: '' });
  });

  it('fmt -check notices an unformatted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-fmt-'));
    try {
      writeFileSync(join(dir, 'main.tf'), 'locals {\nx=1\n  yy   = 2\n}\n');
      expect(fmtCheck(dir).ok).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(MODULES)('module %s has main, variables, outputs and provider constraints', (module) => {
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'])
      expect([module, file, existsSync(join(TF, 'modules', module, file))]).toEqual([
        module,
        file,
        true,
      ]);
  });

  it.each(REGIONS)(
    'root %s: GCS remote state, exact provider pin, the shared main.tf',
    (region) => {
      const dir = join(TF, 'envs', region);
      expect(readFileSync(join(dir, 'backend.tf'), 'utf8')).toMatch(
        new RegExp(`backend "gcs"[\\s\\S]*prefix = "envs/${region}"`),
      );
      expect(readFileSync(join(dir, 'versions.tf'), 'utf8')).toMatch(/version = "\d+\.\d+\.\d+"/);
      expect(readFileSync(join(dir, 'terraform.tfvars'), 'utf8')).toContain(
        `region               = "${region}"`,
      );
      expect(readFileSync(join(dir, 'main.tf'), 'utf8')).toBe(
        readFileSync(join(TF, 'envs', REGIONS[0] ?? '', 'main.tf'), 'utf8'),
      );
    },
  );

  it('the cluster is private, regional, Workload Identity, shielded, on a release channel', () => {
    const gke = readFileSync(join(TF, 'modules', 'gke', 'main.tf'), 'utf8');
    for (const needle of [
      'enable_private_nodes    = true',
      'location = var.region',
      'workload_pool = "${var.project_id}.svc.id.goog"',
      'enable_shielded_nodes = true',
      'release_channel {',
      'master_authorized_networks_config {',
    ])
      expect(gke).toContain(needle);
  });

  it('the latency pool has the static CPU manager and a taint', () => {
    const pools = readFileSync(join(TF, 'modules', 'node-pools', 'main.tf'), 'utf8');
    const latency = pools.slice(pools.indexOf('resource "google_container_node_pool" "latency"'));
    expect(latency).toContain('cpu_manager_policy   = "static"');
    expect(latency).toMatch(/taint \{\s+key\s+= "meridian.io\/pool"/);
  });
});
