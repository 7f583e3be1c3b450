import { ConfigError, type ConfigIssue } from './config.error';
import {
  type ConfigEnv,
  ConfigField,
  ConfigGroup,
  type ConfigNode,
  type ConfigOutput,
  type ConfigShape,
  REDACTED,
} from './config-field';

export interface LoadConfigOptions {
  /** Names the app in error messages, e.g. "order-gateway". */
  readonly appName: string;
  /** Defaults to `process.env`. Variables the schema does not name are ignored. */
  readonly env?: ConfigEnv;
}

/** One variable of a schema, for generated documentation. */
export interface ConfigVariable {
  readonly name: string;
  readonly description: string;
  /** What a valid value looks like, e.g. "integer 1..65535". */
  readonly expected: string | undefined;
  /** As written in the environment. */
  readonly default: string | undefined;
  /** Unset is an error (no default, not optional). */
  readonly required: boolean;
  readonly secret: boolean;
}

/**
 * Parses the environment against `schema` and returns the typed, deeply frozen config.
 * Throws `ConfigError` naming every missing or malformed variable (secret values redacted).
 */
export function loadConfig<S extends ConfigShape>(
  schema: S,
  options: LoadConfigOptions,
): ConfigOutput<S> {
  fieldsOf(schema);
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const config = parseShape(schema, env, issues);
  if (issues.length > 0) throw new ConfigError(options.appName, issues);
  return config as ConfigOutput<S>;
}

/** Every variable `schema` reads, in schema order. */
export function describeConfig(schema: ConfigShape): readonly ConfigVariable[] {
  return fieldsOf(schema).map(([, field]) => ({
    name: field.env,
    description: field.description,
    expected: field.expected,
    default: field.defaultValue,
    required: !field.isOptional && field.defaultValue === undefined,
    secret: field.isSecret,
  }));
}

/**
 * A copy of a loaded config that is safe to log: secret values become "<redacted>"
 * (unset optional secrets stay undefined, which reveals nothing).
 */
export function redactConfig<S extends ConfigShape>(
  schema: S,
  config: ConfigOutput<S>,
): Record<string, unknown> {
  return redactShape(schema, config);
}

function isShape(node: ConfigNode): node is ConfigShape {
  return !(node instanceof ConfigField) && !(node instanceof ConfigGroup);
}

/** Fields with their paths; throws when two fields read the same variable (a schema bug). */
function fieldsOf(schema: ConfigShape, prefix = ''): [string, ConfigField<unknown>][] {
  const fields: [string, ConfigField<unknown>][] = [];
  const walk = (shape: ConfigShape, path: string): void => {
    for (const [key, node] of Object.entries(shape)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (node instanceof ConfigField) fields.push([at, node]);
      else walk(node instanceof ConfigGroup ? node.shape : node, at);
    }
  };
  walk(schema, prefix);
  const seen = new Map<string, string>();
  for (const [path, field] of fields) {
    const other = seen.get(field.env);
    if (other !== undefined) {
      throw new Error(`config schema reads ${field.env} twice (${other} and ${path})`);
    }
    seen.set(field.env, path);
  }
  return fields;
}

function parseShape(shape: ConfigShape, env: ConfigEnv, issues: ConfigIssue[]): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(shape)) {
    if (node instanceof ConfigField) {
      const result = node.parse(env[node.env]);
      if (result.ok) out[key] = result.value;
      else issues.push({ variable: node.env, reason: result.reason });
    } else if (node instanceof ConfigGroup) {
      const before = issues.length;
      const values = parseShape(node.shape, env, issues);
      if (issues.length === before) {
        issues.push(...node.validate(values as ConfigOutput<ConfigShape>));
      }
      out[key] = values;
    } else {
      out[key] = parseShape(node, env, issues);
    }
  }
  return Object.freeze(out);
}

function redactShape(shape: ConfigShape, values: unknown): Record<string, unknown> {
  const source = (typeof values === 'object' && values !== null ? values : {}) as Record<
    string,
    unknown
  >;
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(shape)) {
    const value = source[key];
    if (node instanceof ConfigField) {
      out[key] = node.isSecret && value !== undefined ? REDACTED : value;
    } else {
      out[key] = redactShape(isShape(node) ? node : node.shape, value);
    }
  }
  return out;
}
