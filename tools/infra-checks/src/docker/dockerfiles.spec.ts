import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDockerfilePolicy } from './dockerfile-policy';
import {
  appDockerfilePath,
  checkAppDockerfiles,
  DockerfileTemplateError,
  renderAppDockerfile,
  SERVICE_IMAGES,
  TEMPLATE_PATH,
} from './dockerfiles';

const ROOT = join(__dirname, '..', '..', '..', '..');
const template = readFileSync(join(ROOT, TEMPLATE_PATH), 'utf8');
const rules = (content: string): string[] => checkDockerfilePolicy(content).map((v) => v.rule);

describe('service Dockerfiles', () => {
  it('the shared template passes every policy rule', () => {
    expect(checkDockerfilePolicy(template)).toEqual([]);
  });

  it.each(SERVICE_IMAGES.map((s) => s.app))(
    'apps/%s/Dockerfile passes every policy rule',
    (app) => {
      expect(
        checkDockerfilePolicy(readFileSync(join(ROOT, appDockerfilePath(app)), 'utf8')),
      ).toEqual([]);
    },
  );

  it('every per-app Dockerfile is the rendered template (no drift)', () => {
    expect(checkAppDockerfiles(ROOT)).toEqual([]);
  });

  it('every app with a main.ts ships an image', () => {
    const apps = new Set(SERVICE_IMAGES.map((s) => s.app));
    const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    expect(rootManifest.workspaces).toContain('apps/*');
    const withMain = readdirSync(join(ROOT, 'apps')).filter((a) =>
      existsSync(join(ROOT, 'apps', a, 'src', 'main.ts')),
    );
    expect(withMain.filter((a) => !apps.has(a))).toEqual([]);
  });

  it('renders the app name, its ports and a generated-file header', () => {
    const rendered = renderAppDockerfile(template, { app: 'order-gateway', ports: [9464, 50051] });
    expect(rendered).toMatch(/^ARG APP=order-gateway$/m);
    expect(rendered).toMatch(/^EXPOSE 9464 50051$/m);
    expect(rendered.split('\n')[1]).toContain('GENERATED from deploy/docker/Dockerfile');
  });

  it('refuses a template that lost the lines it rewrites', () => {
    expect(() =>
      renderAppDockerfile(template.replace('ARG APP=\n', ''), { app: 'x', ports: [9464] }),
    ).toThrow(DockerfileTemplateError);
    expect(() => renderAppDockerfile('FROM x\n', { app: 'x', ports: [9464] })).toThrow(
      /first line must be/,
    );
  });

  describe('policy rejects', () => {
    it('a base pinned by tag only', () => {
      expect(rules(template.replace(/@sha256:[0-9a-f]{64}/, ''))).toEqual(
        expect.arrayContaining(['pinned-base', 'base-image']),
      );
    });
    it('a root user, or no USER at all', () => {
      expect(rules(template.replace('USER 10001:10001', 'USER root'))).toContain('non-root');
      expect(rules(template.replace('USER 10001:10001', 'USER 1000'))).toContain('non-root');
      expect(rules(template.replace('USER 10001:10001\n', ''))).toContain('non-root');
    });
    it('a missing or disabled HEALTHCHECK', () => {
      const without = template.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '');
      expect(rules(without)).toContain('healthcheck');
      expect(rules(`${without}HEALTHCHECK NONE\n`)).toContain('healthcheck');
    });
    it('node as PID 1 (no tini) and shell-form commands', () => {
      expect(
        rules(template.replace('ENTRYPOINT ["/usr/bin/tini", "--"]', 'ENTRYPOINT ["node"]')),
      ).toContain('init');
      expect(rules(template.replace('CMD ["node", "main.js"]', 'CMD node main.js'))).toContain(
        'exec-form',
      );
    });
    it('a single-stage build without the app build', () => {
      const single = 'FROM node:24-bookworm-slim@sha256:' + 'a'.repeat(64) + '\nCMD ["node"]\n';
      expect(rules(single)).toEqual(
        expect.arrayContaining([
          'multi-stage',
          'non-root',
          'healthcheck',
          'init',
          'app-build',
          'oci-labels',
        ]),
      );
    });
    it('secrets in ENV, writable volumes, remote ADD and fat apt installs', () => {
      expect(rules(template.replace('TMPDIR=/tmp', 'TMPDIR=/tmp DB_PASSWORD=x'))).toContain(
        'no-secrets',
      );
      expect(rules(template.replace('VOLUME ["/tmp"]', 'VOLUME ["/tmp", "/app/data"]'))).toContain(
        'read-only-rootfs',
      );
      expect(rules(`${template}ADD https://example.com/x /x\n`)).toContain('no-remote-add');
      expect(rules(template.replace('--no-install-recommends tini', 'tini'))).toContain('apt');
    });
    it('missing OCI labels', () => {
      expect(
        rules(template.replace(/org\.opencontainers\.image\.revision=[^\n]*\n/, '')),
      ).toContain('oci-labels');
    });
  });
});
