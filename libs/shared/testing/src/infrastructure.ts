import { Socket } from 'node:net';

/** Where the tests find the machine's real PostgreSQL, Redis and the Kafka dev broker. */
export interface TestInfrastructure {
  readonly pg: { host: string; port: number; user: string; database: string };
  readonly redisUrl: string;
}

export function testInfrastructure(env: NodeJS.ProcessEnv = process.env): TestInfrastructure {
  return {
    pg: {
      host: env['PGHOST'] ?? '127.0.0.1',
      port: Number(env['PGPORT'] ?? 5432),
      user: env['PGUSER'] ?? 'postgres',
      database: env['PGDATABASE'] ?? 'test',
    },
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  };
}

const HOW_TO_START = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis:
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis',
} as const;

/** Resolves when something accepts TCP connections at host:port, rejects after `timeoutMs`. */
export function probeTcp(host: string, port: number, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const fail = (why: string): void => {
      socket.destroy();
      reject(new Error(`${host}:${port} ${why}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`did not answer within ${timeoutMs} ms`));
    socket.once('error', (error) => fail(`refused the connection (${error.message})`));
    socket.connect(port, host, () => {
      socket.end();
      resolve();
    });
  });
}

/**
 * Fails loudly, naming the command that starts what is missing, when PostgreSQL or Redis is not
 * reachable. Tests never skip silently because infrastructure is down.
 */
export async function assertInfrastructureUp(
  infra: TestInfrastructure = testInfrastructure(),
): Promise<void> {
  const redis = new URL(infra.redisUrl);
  const checks = [
    { name: 'PostgreSQL', host: infra.pg.host, port: infra.pg.port, start: HOW_TO_START.postgres },
    {
      name: 'Redis',
      host: redis.hostname,
      port: Number(redis.port || 6379),
      start: HOW_TO_START.redis,
    },
  ];
  const failures: string[] = [];
  for (const check of checks) {
    try {
      await probeTcp(check.host, check.port);
    } catch (error) {
      failures.push(
        `${check.name} is not reachable: ${(error as Error).message}\n    start it with: ${check.start}`,
      );
    }
  }
  if (failures.length > 0) {
    throw new Error(`Test infrastructure missing:\n  ${failures.join('\n  ')}`);
  }
}

/** A name no other test (or test run) uses: for schemas, topics, consumer groups, key prefixes. */
export function uniqueName(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${random}`.toLowerCase();
}
