import { type z } from 'zod';

/** What `loadConfig` reads: `process.env` or any map of the same shape. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

export const REDACTED = '<redacted>';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

export type FieldResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

interface FieldSpec<T> {
  readonly env: string;
  readonly schema: z.ZodType<T, string>;
  /** What a valid value looks like, e.g. "integer 1..65535"; used in errors and docs. */
  readonly expected: string | undefined;
  readonly description: string;
  /** The default as it would be written in the environment (shown in docs). */
  readonly defaultValue: string | undefined;
  readonly optional: boolean;
  readonly secret: boolean;
}

/**
 * One environment variable and how to parse it. Immutable: every modifier returns a copy.
 * Create fields with the helpers (`port`, `duration`, ...) or `field(env, zodSchema)`.
 *
 * An empty value counts as unset: Kubernetes and compose files often render a missing
 * value as "", which should fall back to the default rather than fail to parse.
 */
export class ConfigField<T> {
  private constructor(private readonly spec: FieldSpec<T>) {}

  /** A required field parsed by `schema` (which receives the raw string). */
  static of<T>(env: string, schema: z.ZodType<T, string>, expected?: string): ConfigField<T> {
    if (!ENV_NAME.test(env)) {
      throw new Error(`config variable name "${env}" must be UPPER_SNAKE_CASE`);
    }
    return new ConfigField({
      env,
      schema,
      expected,
      description: '',
      defaultValue: undefined,
      optional: false,
      secret: false,
    });
  }

  get env(): string {
    return this.spec.env;
  }
  get description(): string {
    return this.spec.description;
  }
  get expected(): string | undefined {
    return this.spec.expected;
  }
  get defaultValue(): string | undefined {
    return this.spec.defaultValue;
  }
  get isOptional(): boolean {
    return this.spec.optional;
  }
  get isSecret(): boolean {
    return this.spec.secret;
  }

  /** Documentation for operators (rendered by `describeConfig`). */
  describe(description: string): ConfigField<T> {
    return new ConfigField({ ...this.spec, description });
  }

  /** Used when the variable is unset; written as in the environment (e.g. "5s"). */
  default(raw: string): ConfigField<T> {
    return new ConfigField({ ...this.spec, defaultValue: raw });
  }

  /** Unset is allowed and yields undefined. */
  optional(): ConfigField<T | undefined> {
    // The schema only ever sees set values, so widening T is sound.
    return new ConfigField<T | undefined>({ ...this.spec, optional: true });
  }

  /** The value never appears in errors or in `redactConfig` output. */
  secret(): ConfigField<T> {
    return new ConfigField({ ...this.spec, secret: true });
  }

  /** Parses the raw environment value of this field. */
  parse(raw: string | undefined): FieldResult<T> {
    if (raw === undefined || raw === '') {
      if (this.spec.defaultValue !== undefined) {
        const parsed = this.parseSet(this.spec.defaultValue);
        return parsed.ok ? parsed : { ok: false, reason: `invalid default: ${parsed.reason}` };
      }
      if (this.spec.optional) return { ok: true, value: undefined as T };
      return { ok: false, reason: 'required' };
    }
    return this.parseSet(raw);
  }

  private parseSet(raw: string): FieldResult<T> {
    const result = this.spec.schema.safeParse(raw);
    if (result.success) return { ok: true, value: result.data };
    const expected = this.spec.expected ?? result.error.issues[0]?.message ?? 'a valid value';
    const shown = this.spec.secret ? REDACTED : JSON.stringify(raw);
    return {
      ok: false,
      reason: `${this.spec.expected === undefined ? expected : `expected ${expected}`}, got ${shown}`,
    };
  }
}

/**
 * A set of fields with a rule that spans them (e.g. "DATABASE_URL, or PGDATABASE and
 * PGUSER"). The rule runs only when every field of the group parsed, and reports issues
 * against variables; it does not change the values.
 */
export class ConfigGroup<S extends ConfigShape> {
  // Method syntax keeps ConfigGroup<S> assignable to ConfigGroup<ConfigShape> (bivariance).
  private readonly rule: { check(values: ConfigOutput<S>): readonly ConfigGroupIssue[] };

  constructor(
    readonly shape: S,
    rule: (values: ConfigOutput<S>) => readonly ConfigGroupIssue[],
  ) {
    this.rule = { check: rule };
  }

  validate(values: ConfigOutput<S>): readonly ConfigGroupIssue[] {
    return this.rule.check(values);
  }
}

export interface ConfigGroupIssue {
  readonly variable: string;
  readonly reason: string;
}

/** A config schema: fields, groups and nested plain objects of them. */
export interface ConfigShape {
  readonly [key: string]: ConfigNode;
}

export type ConfigNode = ConfigField<unknown> | ConfigGroup<ConfigShape> | ConfigShape;

/** The typed (deeply readonly) object `loadConfig` returns for a shape. */
export type ConfigOutput<S extends ConfigShape> = {
  readonly [K in keyof S]: S[K] extends ConfigField<infer T>
    ? T
    : S[K] extends ConfigGroup<infer G>
      ? ConfigOutput<G>
      : S[K] extends ConfigShape
        ? ConfigOutput<S[K]>
        : never;
};
