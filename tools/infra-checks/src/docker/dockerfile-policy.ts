/**
 * Policy checks of the service Dockerfiles (hadolint does not install here): parsed with
 * dockerfile-ast, so instructions split over lines and ARG-substituted bases are understood.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

export interface PolicyViolation {
  readonly rule: string;
  readonly message: string;
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.source',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.version',
  'org.opencontainers.image.created',
];

function args(instruction: Instruction): string[] {
  return instruction.getArguments().map((a) => a.getValue());
}

/** Exec-form (JSON array) arguments, or undefined for the shell form. */
function execForm(instruction: Instruction): string[] | undefined {
  const raw = instruction.getArgumentsContent()?.trim() ?? '';
  if (!raw.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Checks one service Dockerfile; returns every violation (empty: compliant). */
export function checkDockerfilePolicy(content: string): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const fail = (rule: string, message: string): void => void out.push({ rule, message });
  const dockerfile = DockerfileParser.parse(content);
  const initialArgs = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    const name = property?.getName();
    if (name !== undefined) initialArgs.set(name, property?.getValue() ?? '');
  }
  const froms = dockerfile.getFROMs();
  if (froms.length < 2)
    fail('multi-stage', `expected a multi-stage build, found ${froms.length} FROM`);
  const stages = new Set<string>();
  for (const from of froms) {
    const image = (from.getImage() ?? '').replace(
      /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
      (_m, name: string) => initialArgs.get(name) ?? '',
    );
    if (!stages.has(image)) {
      if (image.endsWith(':latest') || !/[:@]/.test(image))
        fail('pinned-base', `base '${image}' is not pinned`);
      else if (!DIGEST.test(image)) fail('pinned-base', `base '${image}' is not pinned by digest`);
    }
    const stage = from.getBuildStage();
    if (stage !== null) stages.add(stage);
  }
  const last = froms.at(-1);
  const finalBase = (last?.getImage() ?? '').replace(
    /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
    (_m, name: string) => initialArgs.get(name) ?? '',
  );
  if (!/^node:24[.\-\w]*-slim@sha256:/.test(finalBase))
    fail('base-image', `runtime base '${finalBase}' is not a node:24 slim image`);

  // The runtime stage: every instruction after the last FROM.
  const lastLine = last?.getRange().start.line ?? 0;
  const runtime = dockerfile.getInstructions().filter((i) => i.getRange().start.line > lastLine);
  const of = (keyword: string): Instruction[] => runtime.filter((i) => i.getKeyword() === keyword);

  const user = of('USER').at(-1);
  const uid = user === undefined ? undefined : (args(user)[0] ?? '').split(':')[0];
  if (uid === undefined) fail('non-root', 'the runtime stage has no USER');
  else if (!/^\d+$/.test(uid) || Number(uid) < 10000)
    fail('non-root', `USER ${uid} is not a numeric uid >= 10000`);

  const healthcheck = of('HEALTHCHECK').at(-1);
  const hcArgs = healthcheck === undefined ? [] : args(healthcheck);
  if (healthcheck === undefined) fail('healthcheck', 'no HEALTHCHECK');
  else if (hcArgs.some((a) => a.toUpperCase() === 'NONE')) fail('healthcheck', 'HEALTHCHECK NONE');
  else if (!(healthcheck.getArgumentsContent() ?? '').includes('node'))
    fail('healthcheck', 'HEALTHCHECK must run node (the slim base has no curl)');

  const entrypoint = of('ENTRYPOINT').at(-1);
  const ep = entrypoint === undefined ? undefined : execForm(entrypoint);
  if (ep === undefined) fail('init', 'ENTRYPOINT must be exec form');
  else if (!/(^|\/)tini$/.test(ep[0] ?? '') || ep[1] !== '--')
    fail('init', `ENTRYPOINT ${JSON.stringify(ep)} does not start tini --`);

  const cmd = of('CMD').at(-1);
  if (cmd === undefined || execForm(cmd) === undefined)
    fail('exec-form', 'CMD must be exec form (signals reach node)');

  const labels = of('LABEL')
    .flatMap((i) => i.getArgumentsContent() ?? '')
    .join('\n');
  for (const label of REQUIRED_LABELS)
    if (!labels.includes(`${label}=`)) fail('oci-labels', `missing label ${label}`);

  const env = of('ENV')
    .map((i) => i.getArgumentsContent() ?? '')
    .join('\n');
  if (/(PASSWORD|SECRET|TOKEN|API_KEY)\w*=/i.test(env))
    fail('no-secrets', 'a secret-looking variable is baked into ENV');
  if (!/NODE_ENV=production/.test(env)) fail('node-env', 'NODE_ENV=production is not set');

  // Read-only root filesystem: the only writable path is /tmp.
  const volumes = of('VOLUME').flatMap((i) => execForm(i) ?? args(i));
  if (volumes.some((v) => v !== '/tmp'))
    fail('read-only-rootfs', `VOLUME other than /tmp: ${volumes.join(' ')}`);
  if (!/TMPDIR=\/tmp/.test(env) && volumes.length === 0)
    fail('read-only-rootfs', 'no /tmp volume or TMPDIR=/tmp');

  const buildsWithNx = dockerfile
    .getInstructions()
    .some(
      (i) =>
        i.getKeyword() === 'RUN' && (i.getArgumentsContent() ?? '').includes('build-app.cli.ts'),
    );
  if (!buildsWithNx) fail('app-build', 'no stage runs the app build (build-app.cli.ts)');

  for (const instruction of dockerfile.getInstructions()) {
    const text = instruction.getArgumentsContent() ?? '';
    if (instruction.getKeyword() === 'ADD' && /https?:\/\//.test(text))
      fail('no-remote-add', 'ADD of a URL (use a pinned package or a checksum-verified download)');
    if (/apt-get install/.test(text) && !text.includes('--no-install-recommends'))
      fail('apt', 'apt-get install without --no-install-recommends');
  }
  return out;
}
