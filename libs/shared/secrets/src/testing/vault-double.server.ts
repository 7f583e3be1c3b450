import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** Dynamic credentials the double handed out; `onCreds` may turn them into a real database role. */
export interface IssuedCredentials {
  readonly role: string;
  readonly leaseId: string;
  readonly username: string;
  readonly password: string;
  /** When the lease ends at the latest (its max TTL). */
  readonly maxExpiresAt: Date;
}

export interface VaultDoubleDatabaseRole {
  /** lease_duration of new credentials and the default renewal increment. */
  readonly ttlSeconds: number;
  /** A lease never lives past issue time + this; renewals are capped to it. */
  readonly maxTtlSeconds: number;
}

export interface VaultDoubleOptions {
  /** The double's clock (epoch ms); share a ManualScheduler's `now` to move lease time. */
  readonly now?: () => number;
  /** Kubernetes auth at `auth/<mount>/login`. */
  readonly kubernetes?: {
    readonly mount?: string;
    readonly role: string;
    /** The only service-account JWT accepted. */
    readonly jwt: string;
    readonly tokenTtlSeconds?: number;
    readonly tokenMaxTtlSeconds?: number;
  };
  /** Mount of the KV v2 engine; default `secret`. */
  readonly kvMount?: string;
  /** Initial KV v2 secrets by path (without mount). */
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Database engine at `<mount>/creds/<role>`. */
  readonly database?: {
    readonly mount?: string;
    readonly roles: Readonly<Record<string, VaultDoubleDatabaseRole>>;
    /** Awaited before the creds are returned, e.g. to CREATE ROLE in a real PostgreSQL. */
    readonly onCreds?: (issued: IssuedCredentials) => void | Promise<void>;
    /** Awaited before a revoke is acknowledged, e.g. to DROP ROLE. */
    readonly onRevoke?: (issued: IssuedCredentials) => void | Promise<void>;
  };
  /** API paths (without `/v1/`, prefix match) that every token is denied. */
  readonly forbiddenPaths?: readonly string[];
}

/** Switches to simulate a failing Vault; change them at any time. */
export interface VaultDoubleFaults {
  /** `reset`: destroy every new connection; `hang`: accept requests and never answer. */
  mode: 'none' | 'reset' | 'hang';
  /** Delay before each answer. */
  delayMs: number;
  /** Answer every request with this status (e.g. 500, 503 sealed) instead of handling it. */
  status: number | undefined;
  denyTokenRenewal: boolean;
  denyLeaseRenewal: boolean;
}

/** One request the double received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without `/v1/` and query, e.g. `secret/data/meridian/order-gateway`. */
  readonly path: string;
  readonly token: string | undefined;
}

/** State of one lease, for assertions. */
export interface VaultDoubleLease extends IssuedCredentials {
  readonly expiresAt: number;
  readonly revoked: boolean;
  readonly renewals: number;
}

interface TokenState {
  readonly id: string;
  readonly accessor: string;
  readonly issuedAt: number;
  readonly ttlSeconds: number;
  /** undefined: never expires (a root-like token). */
  expiresAt: number | undefined;
  readonly maxExpiresAt: number | undefined;
  readonly renewable: boolean;
  readonly role: string | undefined;
}

interface LeaseState {
  issued: IssuedCredentials;
  readonly issuedAt: number;
  readonly ttlSeconds: number;
  readonly maxExpiresAt: number;
  expiresAt: number;
  revoked: boolean;
  renewals: number;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const PERMISSION_DENIED = new HttpAnswer(403, { errors: ['permission denied'] });
const NOT_FOUND = new HttpAnswer(404, { errors: [] });

/**
 * A Vault-API-compatible HTTP server for tests (node:http on 127.0.0.1, ephemeral port) that
 * speaks the JSON shapes of real Vault for what the secrets lib uses: Kubernetes login, token
 * renew-self / lookup-self, KV v2 reads, database creds, lease renew / revoke, X-Vault-Token
 * checks (403 `{"errors":["permission denied"]}`) and 404 `{"errors":[]}`. Faults are switched
 * through {@link VaultDouble.faults}.
 */
export class VaultDouble {
  /** Everything received, oldest first. */
  readonly requests: RecordedRequest[] = [];
  readonly faults: VaultDoubleFaults = {
    mode: 'none',
    delayMs: 0,
    status: undefined,
    denyTokenRenewal: false,
    denyLeaseRenewal: false,
  };
  private readonly tokens = new Map<string, TokenState>();
  private readonly secrets = new Map<
    string,
    { data: Readonly<Record<string, unknown>>; version: number; created: string }
  >();
  private readonly leaseStates = new Map<string, LeaseState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly kvMount: string;
  private readonly dbMount: string;
  private readonly k8sMount: string;

  private constructor(
    private readonly server: Server,
    private readonly options: VaultDoubleOptions,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.kvMount = options.kvMount ?? 'secret';
    this.dbMount = options.database?.mount ?? 'database';
    this.k8sMount = options.kubernetes?.mount ?? 'kubernetes';
    for (const [path, data] of Object.entries(options.secrets ?? {})) this.setSecret(path, data);
  }

  /** Starts the double on 127.0.0.1 at an ephemeral port. */
  static async start(options: VaultDoubleOptions = {}): Promise<VaultDouble> {
    const server = createServer();
    const double = new VaultDouble(server, options);
    server.on('connection', (socket) => {
      if (double.faults.mode === 'reset') socket.destroy();
    });
    server.on('request', (req, res) => double.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return double;
  }

  /** e.g. `http://127.0.0.1:41234` */
  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Requests whose method matches and whose path starts with `pathPrefix`. */
  count(method: string, pathPrefix = ''): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  /** Writes a new version of a KV v2 secret. */
  setSecret(path: string, data: Readonly<Record<string, unknown>>): void {
    const previous = this.secrets.get(path);
    this.secrets.set(path, {
      data: { ...data },
      version: (previous?.version ?? 0) + 1,
      created: new Date(this.now()).toISOString(),
    });
  }

  /** Issues a token for token auth (`ttlSeconds` 0: never expires, like a root token). */
  createToken(
    options: { ttlSeconds?: number; maxTtlSeconds?: number; renewable?: boolean } = {},
  ): string {
    const ttl = options.ttlSeconds ?? 0;
    return this.issueToken(
      ttl,
      options.maxTtlSeconds ?? ttl * 24,
      options.renewable ?? ttl > 0,
      undefined,
    ).id;
  }

  /** Forgets every token, as a Vault restored without its token store would. */
  revokeAllTokens(): void {
    this.tokens.clear();
  }

  /** Every lease issued so far. */
  leases(): VaultDoubleLease[] {
    return [...this.leaseStates.values()].map((s) => ({
      ...s.issued,
      expiresAt: s.expiresAt,
      revoked: s.revoked,
      renewals: s.renewals,
    }));
  }

  /** Stops listening (new connections are refused) and drops open ones. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Kept-alive sockets opened before the switch are cut too.
    if (this.faults.mode === 'reset') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (this.faults.mode === 'hang') return;
      const answer = (): void => {
        void this.handle(req, Buffer.concat(chunks).toString('utf8')).then(
          (result) => send(res, result),
          (error: unknown) => send(res, new HttpAnswer(500, { errors: [String(error)] })),
        );
      };
      if (this.faults.delayMs > 0) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          answer();
        }, this.faults.delayMs);
        this.timers.add(timer);
      } else {
        answer();
      }
    });
  }

  private async handle(req: IncomingMessage, rawBody: string): Promise<HttpAnswer> {
    const url = new URL(req.url ?? '/', 'http://vault');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith('/v1/')) return NOT_FOUND;
    const path = url.pathname.slice('/v1/'.length);
    const header = req.headers['x-vault-token'];
    const token = typeof header === 'string' && header !== '' ? header : undefined;
    this.requests.push({ method, path, token });
    if (this.faults.status !== undefined) {
      return new HttpAnswer(this.faults.status, {
        errors: [this.faults.status === 503 ? 'Vault is sealed' : 'internal error'],
      });
    }
    const body = parseBody(rawBody);
    if (method === 'POST' && path === `auth/${this.k8sMount}/login`)
      return this.kubernetesLogin(body);

    const caller = token === undefined ? undefined : this.validToken(token);
    if (caller === undefined) return PERMISSION_DENIED;
    if ((this.options.forbiddenPaths ?? []).some((prefix) => path.startsWith(prefix)))
      return PERMISSION_DENIED;

    if (method === 'GET' && path === 'auth/token/lookup-self') return this.lookupSelf(caller);
    if ((method === 'POST' || method === 'PUT') && path === 'auth/token/renew-self')
      return this.renewSelf(caller, body);
    if (method === 'GET' && path.startsWith(`${this.kvMount}/data/`)) {
      return this.readSecret(path.slice(`${this.kvMount}/data/`.length));
    }
    if (method === 'GET' && path.startsWith(`${this.dbMount}/creds/`)) {
      return this.issueCreds(path.slice(`${this.dbMount}/creds/`.length));
    }
    if ((method === 'PUT' || method === 'POST') && path === 'sys/leases/renew')
      return this.renewLease(body);
    if ((method === 'PUT' || method === 'POST') && path === 'sys/leases/revoke')
      return this.revokeLease(body);
    return NOT_FOUND;
  }

  private kubernetesLogin(body: Record<string, unknown>): HttpAnswer {
    const k8s = this.options.kubernetes;
    if (k8s === undefined) return NOT_FOUND;
    if (typeof body['role'] !== 'string' || typeof body['jwt'] !== 'string') {
      return new HttpAnswer(400, { errors: ['missing role or jwt'] });
    }
    if (body['role'] !== k8s.role)
      return new HttpAnswer(400, { errors: [`invalid role name "${body['role']}"`] });
    if (body['jwt'] !== k8s.jwt) return PERMISSION_DENIED;
    const ttl = k8s.tokenTtlSeconds ?? 3600;
    const token = this.issueToken(ttl, k8s.tokenMaxTtlSeconds ?? ttl * 24, true, k8s.role);
    return new HttpAnswer(200, envelope({ auth: this.authBlock(token, ttl) }));
  }

  private lookupSelf(token: TokenState): HttpAnswer {
    const now = this.now();
    return new HttpAnswer(
      200,
      envelope({
        data: {
          accessor: token.accessor,
          creation_time: Math.floor(token.issuedAt / 1000),
          creation_ttl: token.ttlSeconds,
          display_name: token.role === undefined ? 'token' : `kubernetes-${token.role}`,
          entity_id: '',
          expire_time:
            token.expiresAt === undefined ? null : new Date(token.expiresAt).toISOString(),
          explicit_max_ttl: 0,
          id: token.id,
          issue_time: new Date(token.issuedAt).toISOString(),
          meta: token.role === undefined ? null : { role: token.role },
          num_uses: 0,
          orphan: true,
          path: token.role === undefined ? 'auth/token/create' : `auth/${this.k8sMount}/login`,
          policies: ['default'],
          renewable: token.renewable,
          ttl:
            token.expiresAt === undefined
              ? 0
              : Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
          type: 'service',
        },
      }),
    );
  }

  private renewSelf(token: TokenState, body: Record<string, unknown>): HttpAnswer {
    if (this.faults.denyTokenRenewal || !token.renewable || token.expiresAt === undefined) {
      return new HttpAnswer(400, { errors: ['lease is not renewable'] });
    }
    const now = this.now();
    const asked =
      typeof body['increment'] === 'number' && body['increment'] > 0
        ? body['increment']
        : token.ttlSeconds;
    const granted = Math.max(
      0,
      Math.min(asked, Math.floor(((token.maxExpiresAt ?? Infinity) - now) / 1000)),
    );
    token.expiresAt = now + granted * 1000;
    return new HttpAnswer(
      200,
      envelope({ auth: this.authBlock(token, granted), warnings: cappedWarning(asked, granted) }),
    );
  }

  private readSecret(path: string): HttpAnswer {
    const secret = this.secrets.get(path);
    if (secret === undefined) return NOT_FOUND;
    return new HttpAnswer(
      200,
      envelope({
        data: {
          data: secret.data,
          metadata: {
            created_time: secret.created,
            custom_metadata: null,
            deletion_time: '',
            destroyed: false,
            version: secret.version,
          },
        },
      }),
    );
  }

  private async issueCreds(role: string): Promise<HttpAnswer> {
    const config = this.options.database?.roles[role];
    if (config === undefined) return new HttpAnswer(400, { errors: [`unknown role: ${role}`] });
    const now = this.now();
    const issued: IssuedCredentials = {
      role,
      leaseId: `${this.dbMount}/creds/${role}/${randomUUID()}`,
      username: `v-${role}-${randomBytes(5).toString('hex')}`.toLowerCase(),
      password: `A1a-${randomBytes(15).toString('base64url')}`,
      maxExpiresAt: new Date(now + config.maxTtlSeconds * 1000),
    };
    await this.options.database?.onCreds?.(issued);
    const ttl = Math.min(config.ttlSeconds, config.maxTtlSeconds);
    this.leaseStates.set(issued.leaseId, {
      issued,
      issuedAt: now,
      ttlSeconds: ttl,
      maxExpiresAt: issued.maxExpiresAt.getTime(),
      expiresAt: now + ttl * 1000,
      revoked: false,
      renewals: 0,
    });
    return new HttpAnswer(
      200,
      envelope({
        lease_id: issued.leaseId,
        renewable: true,
        lease_duration: ttl,
        data: { username: issued.username, password: issued.password },
      }),
    );
  }

  private renewLease(body: Record<string, unknown>): HttpAnswer {
    const leaseId = body['lease_id'];
    const lease = typeof leaseId === 'string' ? this.leaseStates.get(leaseId) : undefined;
    const now = this.now();
    if (lease === undefined || lease.revoked || lease.expiresAt <= now) {
      return new HttpAnswer(400, { errors: ['lease not found'] });
    }
    if (this.faults.denyLeaseRenewal)
      return new HttpAnswer(400, { errors: ['lease is not renewable'] });
    const asked =
      typeof body['increment'] === 'number' && body['increment'] > 0
        ? body['increment']
        : lease.ttlSeconds;
    const granted = Math.max(0, Math.min(asked, Math.floor((lease.maxExpiresAt - now) / 1000)));
    lease.expiresAt = now + granted * 1000;
    lease.renewals += 1;
    return new HttpAnswer(
      200,
      envelope({
        lease_id: lease.issued.leaseId,
        renewable: true,
        lease_duration: granted,
        warnings: cappedWarning(asked, granted),
      }),
    );
  }

  private async revokeLease(body: Record<string, unknown>): Promise<HttpAnswer> {
    const leaseId = body['lease_id'];
    const lease = typeof leaseId === 'string' ? this.leaseStates.get(leaseId) : undefined;
    // Like Vault, revoking an unknown or already revoked lease succeeds.
    if (lease !== undefined && !lease.revoked) {
      lease.revoked = true;
      await this.options.database?.onRevoke?.(lease.issued);
    }
    return new HttpAnswer(204, undefined);
  }

  private issueToken(
    ttl: number,
    maxTtl: number,
    renewable: boolean,
    role: string | undefined,
  ): TokenState {
    const now = this.now();
    const token: TokenState = {
      id: `hvs.${randomBytes(18).toString('base64url')}`,
      accessor: randomBytes(12).toString('base64url'),
      issuedAt: now,
      ttlSeconds: ttl,
      expiresAt: ttl > 0 ? now + ttl * 1000 : undefined,
      maxExpiresAt: ttl > 0 ? now + maxTtl * 1000 : undefined,
      renewable,
      role,
    };
    this.tokens.set(token.id, token);
    return token;
  }

  private validToken(id: string): TokenState | undefined {
    const token = this.tokens.get(id);
    if (token === undefined) return undefined;
    if (token.expiresAt !== undefined && token.expiresAt <= this.now()) return undefined;
    return token;
  }

  private authBlock(token: TokenState, leaseDuration: number): Record<string, unknown> {
    return {
      client_token: token.id,
      accessor: token.accessor,
      policies: ['default'],
      token_policies: ['default'],
      metadata:
        token.role === undefined ? null : { role: token.role, service_account_name: 'default' },
      lease_duration: leaseDuration,
      renewable: token.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }
}

/** The envelope every Vault response has. */
function envelope(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...fields,
  };
}

function cappedWarning(asked: number, granted: number): string[] | null {
  return granted < asked
    ? [
        `TTL of "${asked}s" exceeded the effective max_ttl of "${granted}s"; TTL value is capped accordingly`,
      ]
    : null;
}

function parseBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  if (res.destroyed) return;
  if (answer.status === 204) {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(answer.body));
}
