/**
 * `node -r @swc-node/register tools/infra-checks/src/docker/dockerfiles.cli.ts [--write]`:
 * checks (default) or rewrites apps/<app>/Dockerfile from deploy/docker/Dockerfile.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  appDockerfilePath,
  checkAppDockerfiles,
  renderAppDockerfile,
  SERVICE_IMAGES,
  TEMPLATE_PATH,
} from './dockerfiles';

const root = resolve(__dirname, '..', '..', '..', '..');
if (process.argv.includes('--write')) {
  const template = readFileSync(join(root, TEMPLATE_PATH), 'utf8');
  for (const image of SERVICE_IMAGES) {
    const file = join(root, appDockerfilePath(image.app));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, renderAppDockerfile(template, image));
    process.stdout.write(`wrote ${appDockerfilePath(image.app)}\n`);
  }
} else {
  const issues = checkAppDockerfiles(root);
  for (const issue of issues)
    process.stderr.write(`${issue.path}: ${issue.problem} (run with --write)\n`);
  process.exitCode = issues.length === 0 ? 0 : 1;
}
