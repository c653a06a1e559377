import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './readiness.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Options of {@link MetricsServer.listen}. */
export interface MetricsServerOptions {
  /** TCP port to listen on; 0 lets the kernel pick a free one (see {@link MetricsServer.port}). */
  readonly port: number;
  /**
   * Address to listen on.
   * @defaultValue every interface (a probe or Prometheus reaches a pod on its own IP)
   */
  readonly host?: string;
  /** What `GET /metrics` serves. */
  readonly metrics: WorkerMetrics;
  /** What `GET /readyz` reports. */
  readonly readiness: Readiness;
}

/**
 * The worker's HTTP endpoints for Prometheus and Kubernetes:
 * - `GET /metrics`: the Prometheus text format of the worker's registry;
 * - `GET /healthz`: 200 whenever the process answers at all (a liveness probe: a wedged event
 *   loop cannot answer);
 * - `GET /readyz`: 200 when the model is loaded and Redis answers, else 503; the body is the
 *   {@link ReadinessReport} as JSON.
 *
 * It starts before the model loads and before Redis is reachable, so that a starting or
 * waiting worker is seen as alive but not ready, rather than as dead.
 */
export class MetricsServer {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly options: MetricsServerOptions,
  ) {}

  /** Starts listening; resolves once the port is bound. */
  static async listen(options: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer();
    const metricsServer = new MetricsServer(server, options);
    server.on('request', (request, response) => metricsServer.handle(request, response));
    server.listen(options.port, options.host);
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => Promise.reject(error as Error)),
    ]);
    return metricsServer;
  }

  /** The port it listens on (the kernel's pick when asked for 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and drops open connections (scrapers keep them alive). Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply(response, 405, 'text/plain', 'method not allowed: use GET\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    switch (path) {
      case '/metrics':
        void this.metrics(response);
        return;
      case '/healthz':
        reply(response, 200, 'text/plain', 'ok\n');
        return;
      case '/readyz': {
        const report = this.options.readiness.report();
        reply(response, report.ready ? 200 : 503, 'application/json', JSON.stringify(report));
        return;
      }
      default:
        reply(response, 404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  }

  private async metrics(response: ServerResponse): Promise<void> {
    const { registry } = this.options.metrics;
    try {
      reply(response, 200, registry.contentType, await registry.metrics());
    } catch (error) {
      reply(response, 500, 'text/plain', `collecting metrics failed: ${String(error)}\n`);
    }
  }
}

function reply(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, { 'content-type': contentType, ...headers });
  response.end(body);
}
