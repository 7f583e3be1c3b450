/**
 * The per-app Dockerfiles are generated from deploy/docker/Dockerfile (one pattern, no drift):
 * each differs only in the `ARG APP` default, its EXPOSE line and a generated-file header.
 * `node -r @swc-node/register tools/infra-checks/src/docker/dockerfiles.cli.ts --write` rewrites
 * them; the infra-checks specs fail when one is stale.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A service that ships as an image, with the ports it listens on (EXPOSE is documentation). */
export interface ServiceImage {
  readonly app: string;
  /** Ops port (/metrics, /health/*) first; then gRPC where the service serves it. */
  readonly ports: readonly number[];
}

const OPS = 9464;
const GRPC = 50051;

/** Every service image, the release matrix and the Helm chart's services (keep in step). */
export const SERVICE_IMAGES: readonly ServiceImage[] = [
  { app: 'executor', ports: [OPS] },
  { app: 'order-gateway', ports: [OPS, GRPC] },
  { app: 'order-store', ports: [OPS] },
  { app: 'marketdata-ingestor', ports: [OPS] },
  { app: 'tick-writer', ports: [OPS] },
  { app: 'marketdata-api', ports: [OPS, GRPC] },
  { app: 'portfolio', ports: [OPS, GRPC] },
  { app: 'risk-monitor', ports: [OPS] },
  { app: 'agent-sim', ports: [OPS] },
];

export const TEMPLATE_PATH = join('deploy', 'docker', 'Dockerfile');

export function appDockerfilePath(app: string): string {
  return join('apps', app, 'Dockerfile');
}

/** Thrown when the template lost one of the lines the generator rewrites. */
export class DockerfileTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerfileTemplateError';
  }
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`));
  if (matches?.length !== 1)
    throw new DockerfileTemplateError(
      `${TEMPLATE_PATH}: expected exactly one ${what}, found ${matches?.length ?? 0}`,
    );
  return text.replace(pattern, replacement);
}

/** Renders apps/<app>/Dockerfile from the shared template. */
export function renderAppDockerfile(template: string, image: ServiceImage): string {
  const lines = template.split('\n');
  const syntax = lines[0] ?? '';
  if (!syntax.startsWith('# syntax='))
    throw new DockerfileTemplateError(`${TEMPLATE_PATH}: the first line must be '# syntax=...'`);
  const header = [
    syntax,
    `# GENERATED from ${TEMPLATE_PATH} for ${image.app}: edit the template, then run`,
    '#   node -r @swc-node/register tools/infra-checks/src/docker/dockerfiles.cli.ts --write',
    `# Build from the repository root: docker build -f ${appDockerfilePath(image.app)} .`,
  ];
  // Drop the template's own leading comment block (everything up to the first blank line).
  const blank = lines.indexOf('');
  let body = lines.slice(blank).join('\n');
  body = replaceOnce(body, /^ARG APP=$/m, `ARG APP=${image.app}`, "top-level 'ARG APP='");
  body = replaceOnce(body, /^EXPOSE 9464$/m, `EXPOSE ${image.ports.join(' ')}`, "'EXPOSE 9464'");
  return `${header.join('\n')}\n${body}`;
}

export interface DockerfileSyncIssue {
  readonly path: string;
  readonly problem: 'missing' | 'stale';
}

/** Per-app Dockerfiles that are missing or differ from the rendered template. */
export function checkAppDockerfiles(root: string): DockerfileSyncIssue[] {
  const template = readFileSync(join(root, TEMPLATE_PATH), 'utf8');
  const issues: DockerfileSyncIssue[] = [];
  for (const image of SERVICE_IMAGES) {
    const path = appDockerfilePath(image.app);
    const file = join(root, path);
    if (!existsSync(file)) issues.push({ path, problem: 'missing' });
    else if (readFileSync(file, 'utf8') !== renderAppDockerfile(template, image))
      issues.push({ path, problem: 'stale' });
  }
  return issues;
}
