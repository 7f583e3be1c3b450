import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ChartRenderError, renderChart } from './render-chart';

/** A throwaway chart exercising the Helm semantics the renderer implements. */
function writeChart(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chart-render-spec-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const CHART_YAML = 'apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: "9.9"\n';
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function chart(files: Readonly<Record<string, string>>): string {
  const dir = writeChart({ 'Chart.yaml': CHART_YAML, ...files });
  dirs.push(dir);
  return dir;
}

function configMapData(dir: string, options: Parameters<typeof renderChart>[1] = {}) {
  const { objects } = renderChart(dir, options);
  const cm = objects.find(({ object }) => object.kind === 'ConfigMap');
  return cm?.object['data'];
}

describe('renderChart (Helm semantics of the offline renderer)', () => {
  const cmTemplate = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "demo.name" . }}
  namespace: {{ .Release.Namespace }}
data:
  {{- range $k, $v := .Values.data }}
  {{ $k }}: {{ $v | toString | quote }}
  {{- end }}
  chart: {{ printf "%s-%s-%s" .Chart.Name .Chart.Version .Chart.AppVersion | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  hasHpa: {{ .Capabilities.APIVersions.Has "autoscaling/v2" | quote }}
  lookup: {{ lookup "v1" "Secret" "x" "y" | len | quote }}
  tpl: {{ tpl .Values.greeting . | quote }}
  json: {{ .Values.list | toJson | quote }}
`;
  const helpers = '{{- define "demo.name" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}';

  it('coalesces values.yaml, -f files and --set like Helm, and fills .Release/.Chart/.Capabilities', () => {
    const dir = chart({
      'values.yaml':
        'greeting: "hello {{ .Release.Name }}"\nlist: [1, 2]\ndata:\n  a: from-defaults\n  b: from-defaults\n  gone: here\n',
      'override.yaml': 'data:\n  b: from-file\n  gone: null\n',
      'templates/_helpers.tpl': helpers,
      'templates/cm.yaml': cmTemplate,
    });
    const data = configMapData(dir, {
      releaseName: 'rel',
      namespace: 'ns',
      valuesFiles: [join(dir, 'override.yaml')],
      set: { 'data.c': 42, 'list[3]': 'x' },
      setString: { 'data.d': '007' },
    });
    expect(data).toEqual({
      a: 'from-defaults',
      b: 'from-file',
      c: '42',
      d: '007',
      chart: 'demo-1.2.3-9.9',
      kube: 'v1.30.0',
      hasHpa: 'true',
      lookup: '0',
      tpl: 'hello rel',
      // As in Helm, --set on a list index replaces the whole default list.
      json: '[null,null,null,"x"]',
    });
  });

  it('reports required and fail as Helm does, with the template location', () => {
    const dir = chart({
      'values.yaml': 'name: ""\n',
      'templates/a.yaml': '{{ required "name is required" .Values.name }}\n',
    });
    expect(() => renderChart(dir)).toThrow(
      /^execution error at \(demo\/templates\/a\.yaml:1:3\): name is required$/,
    );
    const failing = chart({ 'templates/a.yaml': '{{ fail "no way" }}\n' });
    expect(() => renderChart(failing)).toThrow(ChartRenderError);
    expect(() => renderChart(failing)).toThrow(/no way/);
  });

  it('serves .Files (Get, Glob, AsConfig) from everything outside templates/', () => {
    const dir = chart({
      'files/a.json': '{"a":1}',
      'files/b.json': '{"b":2}',
      'files/sub/c.json': '{"c":3}',
      'files/skip.txt': 'no',
      'templates/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: files
data:
  {{- (.Files.Glob "files/*.json").AsConfig | nindent 2 }}
  deep: {{ len (.Files.Glob "files/**.json") | quote }}
  txt: {{ .Files.Get "files/skip.txt" | quote }}
  missing: {{ .Files.Get "nope" | quote }}
`,
    });
    expect(configMapData(dir)).toEqual({
      'a.json': '{"a":1}',
      'b.json': '{"b":2}',
      deep: '3',
      txt: 'no',
      missing: '',
    });
  });

  it('renders NOTES.txt apart, skips partials and empty documents, and can leave tests out', () => {
    const dir = chart({
      'templates/NOTES.txt': 'Installed {{ .Release.Name }}.',
      'templates/_partial.yaml': 'kind: NotRendered',
      'templates/empty.yaml': '{{- if false }}\nkind: Nope\n{{- end }}\n---\n',
      'templates/sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n',
      'templates/tests/t.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n',
    });
    const all = renderChart(dir, { releaseName: 'r1' });
    expect(all.notes).toBe('Installed r1.');
    expect(all.objects.map(({ source, object }) => `${source} ${object.kind}`)).toEqual([
      'demo/templates/sa.yaml ServiceAccount',
      'demo/templates/tests/t.yaml Pod',
    ]);
    expect(all.manifest).toMatch(/^---\n# Source: demo\/templates\/sa\.yaml\napiVersion: v1\n/);
    expect(renderChart(dir, { skipTests: true }).objects).toHaveLength(1);
  });

  it('validates the final values against values.schema.json and names every problem', () => {
    const dir = chart({
      'values.yaml': 'replicas: 1\n',
      'values.schema.json': JSON.stringify({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        additionalProperties: false,
        properties: { replicas: { type: 'integer', minimum: 0 } },
      }),
      'templates/sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n',
    });
    expect(renderChart(dir, { set: { replicas: 3 } }).objects).toHaveLength(1);
    let message = '';
    try {
      renderChart(dir, { set: { replicas: -1, extra: true } });
    } catch (error) {
      message = error instanceof Error ? error.message : '';
    }
    expect(message).toBe(
      "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
        'demo:\n' +
        '- (root): Additional property extra is not allowed\n' +
        '- replicas: Must be greater than or equal to 0',
    );
  });

  it('rejects a broken chart: bad Chart.yaml, YAML errors, duplicate keys, documents without kind', () => {
    const noVersion = writeChart({ 'Chart.yaml': 'apiVersion: v2\nname: x\n' });
    dirs.push(noVersion);
    expect(() => renderChart(noVersion)).toThrow(/version is required/);
    const badYaml = chart({ 'templates/a.yaml': 'kind: A\n  bad: [\n' });
    expect(() => renderChart(badYaml)).toThrow(/YAML parse error on demo\/templates\/a\.yaml/);
    const duplicate = chart({
      'templates/a.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  name: b\n',
    });
    expect(() => renderChart(duplicate)).toThrow(ChartRenderError);
    const noKind = chart({ 'templates/a.yaml': 'metadata:\n  name: a\n' });
    expect(() => renderChart(noKind)).toThrow(/has no kind/);
  });

  it('refuses --set syntax errors and an incompatible kubeVersion', () => {
    const dir = chart({
      'templates/sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n',
    });
    expect(() => renderChart(dir, { set: { 'a[x]': 1 } })).toThrow(/bad list index/);
    const old = writeChart({ 'Chart.yaml': `${CHART_YAML}kubeVersion: ">=1.31.0-0"\n` });
    dirs.push(old);
    expect(() => renderChart(old, { kubeVersion: 'v1.30.2' })).toThrow(
      /chart requires kubeVersion: >=1.31.0-0 which is incompatible with Kubernetes v1.30.2/,
    );
  });
});
