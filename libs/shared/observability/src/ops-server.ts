import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { LivenessMonitor } from './liveness.monitor';
import type { MetricsRegistry } from './metrics.registry';
import { OPS_PATHS } from './ops-paths';
import type { ReadinessRegistry } from './readiness.registry';

export interface OpsServerOptions {
  /** TCP port; 0 picks a free one (see `OpsServer.port`). */
  port: number;
  /** Interface to bind. Default `127.0.0.1`; in a pod use `0.0.0.0` so the kubelet can probe. */
  host?: string;
  metrics: MetricsRegistry;
  readiness: ReadinessRegistry;
  /** Default: a `LivenessMonitor` with default limits, started here and stopped by `close()`. */
  liveness?: LivenessMonitor;
  /** Where failures to render /metrics are logged. */
  logger?: Logger;
}

/** A running ops server. */
export interface OpsServer {
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Stops accepting connections, closes idle keep-alive ones and waits for in-flight requests. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/**
 * Serves `GET /health/live`, `GET /health/ready` and `GET /metrics` on plain node:http, for
 * processes without Nest (workers, tools). Same semantics as the Nest `ObservabilityModule`:
 * live is 200 unless the event loop stalls; ready is 200 when every readiness check is up and 503
 * (with the failing checks and their errors) otherwise or once shutdown began; anything else 404.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const ownsLiveness = options.liveness === undefined;
  const liveness = options.liveness ?? new LivenessMonitor().start();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const known = (Object.values(OPS_PATHS) as string[]).includes(path);
    if (!known) {
      sendJson(res, 404, { status: 'error', message: `no route for ${path}` });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, {
        status: 'error',
        message: `${req.method ?? ''} not allowed on ${path}`,
      });
      return;
    }
    switch (path) {
      case OPS_PATHS.live: {
        const report = liveness.check();
        sendJson(res, report.alive ? 200 : 503, {
          status: report.alive ? 'ok' : 'error',
          ...report,
        });
        return;
      }
      case OPS_PATHS.ready: {
        const report = await options.readiness.check();
        sendJson(res, report.status === 'ok' ? 200 : 503, report);
        return;
      }
      default: {
        try {
          send(res, 200, options.metrics.contentType, await options.metrics.metricsText());
        } catch (error) {
          options.logger?.error({ err: error }, 'rendering /metrics failed');
          send(res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
        }
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'ops server request failed');
      if (!res.headersSent) {
        sendJson(res, 500, { status: 'error', message: 'internal error' });
      } else {
        res.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    if (ownsLiveness) {
      liveness.stop();
    }
    throw error;
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    url: `http://${host}:${address.port}`,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
      }).finally(() => {
        if (ownsLiveness) {
          liveness.stop();
        }
      });
      return closing;
    },
  };
}
