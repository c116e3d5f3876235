import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Health {
  ok: boolean;
  detail?: Record<string, unknown>;
}

export interface HttpRoute {
  /** Path prefix, e.g. `/candles/`. */
  prefix: string;
  handle(path: string, query: URLSearchParams): Promise<{ status: number; body: unknown }>;
}

export interface MetricsServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `/metrics` (Prometheus text format), `/healthz` (200 or 503 with a JSON body) and any extra
 * JSON routes an app adds (the processor's interactive queries). Port 0 picks a free port.
 */
export async function startMetricsServer(opts: {
  port: number;
  host?: string;
  registry: Registry;
  health: () => Health;
  routes?: HttpRoute[];
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/metrics') {
      opts.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType });
          res.end(text);
        },
        (err: Error) => reply(500, { error: err.message }),
      );
      return;
    }
    if (url.pathname === '/healthz') {
      const h = opts.health();
      reply(h.ok ? 200 : 503, h);
      return;
    }
    const route = opts.routes?.find((r) => url.pathname.startsWith(r.prefix));
    if (!route) {
      reply(404, { error: `no route ${url.pathname}` });
      return;
    }
    route.handle(url.pathname.slice(route.prefix.length), url.searchParams).then(
      ({ status, body }) => reply(status, body),
      (err: Error) => reply(500, { error: err.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
