import { lookup as dnsLookup } from 'node:dns/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect, isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostLookup } from '../policy/check-url-host.js';
import { privateAddressKind } from '../policy/private-address.js';

/** Says why an address may not be reached, or undefined when it may. */
export type AddressCheck = (address: string) => string | undefined;

/** How an {@link EgressProxy} decides. */
export interface EgressProxyOptions {
  /** Let every address through (the worker's `--allow-private`). @defaultValue false */
  readonly allowPrivate?: boolean;
  /** Resolves host names; injectable for tests. @defaultValue `dns.promises.lookup`, all answers */
  readonly lookup?: HostLookup;
  /** Decides per address; injectable for tests. @defaultValue refuses non-public addresses */
  readonly check?: AddressCheck;
}

/** A connection the proxy refused: where ffmpeg was sent, and why not. */
export interface Refusal {
  readonly host: string;
  readonly port: number;
  readonly reason: string;
}

/** One run's way out through the proxy: its own port, and what it was refused. */
export interface EgressSession {
  /** For ffmpeg's `-http_proxy`: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Connections refused so far, oldest first. */
  readonly refusals: readonly Refusal[];
  /** Ends the session: its port closes, its connections are dropped. */
  close(): Promise<void>;
}

const lookupAll: HostLookup = (host) => dnsLookup(host, { all: true, verbatim: true });

const refusePrivate: AddressCheck = (address) => {
  const kind = privateAddressKind(address);
  return kind === undefined ? undefined : `${address} is a ${kind} address`;
};

/**
 * A forward HTTP proxy on 127.0.0.1 that every HTTP(S) connection ffmpeg makes for a run goes
 * through (`-http_proxy`; `CONNECT` for https): the first request, each redirect, each playlist,
 * segment and key. For each connection it resolves the host once, refuses it when any of its
 * addresses is not allowed, and connects to the address it checked, so that a name answering
 * differently the second time (DNS rebinding) cannot move the connection. Each run gets its own
 * port ({@link EgressProxy.session}), so that a refusal is told to the run it belongs to. Another
 * local process that finds the port gains nothing: the proxy reaches only what the policy
 * allows.
 */
export class EgressProxy {
  private readonly options: Required<Omit<EgressProxyOptions, 'allowPrivate'>>;

  constructor(options: EgressProxyOptions = {}) {
    this.options = {
      lookup: options.lookup ?? lookupAll,
      check: options.allowPrivate === true ? () => undefined : (options.check ?? refusePrivate),
    };
  }

  /** A new session on its own ephemeral port of 127.0.0.1. */
  async session(): Promise<EgressSession> {
    const refusals: Refusal[] = [];
    const sockets = new Set<Duplex>();
    const track = (socket: Duplex) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    };
    const server = createServer();
    server.on('connection', track);
    server.on('request', (request, response) => void this.forward(request, response, refusals));
    server.on(
      'connect',
      (request, socket, head) => void this.tunnel(request, socket, head, refusals, track),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      refusals,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  /**
   * Resolves `host` once and checks every address; returns the one to connect to, or records
   * the refusal and returns undefined.
   */
  private async pick(
    host: string,
    port: number,
    refusals: Refusal[],
  ): Promise<readonly string[] | undefined> {
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    let addresses: string[];
    try {
      addresses =
        isIP(bare) !== 0 ? [bare] : (await this.options.lookup(bare)).map((a) => a.address);
    } catch (error) {
      refusals.push({ host: bare, port, reason: `cannot resolve ${bare} (${String(error)})` });
      return undefined;
    }
    for (const address of addresses) {
      const reason = this.options.check(address);
      if (reason !== undefined) {
        refusals.push({
          host: bare,
          port,
          reason: address === bare ? reason : `${bare} resolves to ${reason}`,
        });
        return undefined;
      }
    }
    if (addresses.length === 0) {
      refusals.push({ host: bare, port, reason: `${bare} has no address` });
      return undefined;
    }
    return addresses;
  }

  /** A plain-http request in absolute form: checked, then sent to the checked address. */
  private async forward(
    request: IncomingMessage,
    response: ServerResponse,
    refusals: Refusal[],
  ): Promise<void> {
    let target: URL;
    try {
      target = new URL(request.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      response.writeHead(400).end();
      return;
    }
    const port = Number(target.port || 80);
    const addresses = await this.pick(target.hostname, port, refusals);
    if (addresses === undefined) {
      response.writeHead(403, { 'content-type': 'text/plain' });
      response.end('refused by the framewise egress policy\n');
      return;
    }
    const headers = { ...request.headers };
    delete headers['proxy-connection'];
    const upstream = httpRequest({
      host: target.hostname,
      ...pinnedTo(addresses),
      port,
      method: request.method,
      path: `${target.pathname}${target.search}`,
      headers: { ...headers, host: target.host },
      setHost: false,
    });
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(upstream);
  }

  /** A `CONNECT host:port` tunnel (https): checked, then a TCP connection to the checked address. */
  private async tunnel(
    request: IncomingMessage,
    client: Duplex,
    head: Buffer,
    refusals: Refusal[],
    track: (socket: Duplex) => void,
  ): Promise<void> {
    track(client);
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(request.url ?? '');
    if (match === null) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const port = Number(match[2]);
    const addresses = await this.pick(match[1]!, port, refusals);
    if (addresses === undefined) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect({
      host: match[1]!.replace(/^\[|\]$/g, ''),
      port,
      ...pinnedTo(addresses),
    });
    track(upstream);
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }
}

/**
 * Connection options that reach only `addresses` (those checked), trying each in turn as a
 * resolver's answer would be (IPv6 and IPv4 alike).
 */
function pinnedTo(addresses: readonly string[]): {
  lookup: LookupFunction;
  autoSelectFamily: boolean;
} {
  const answers = addresses.map((address) => ({ address, family: isIP(address) }));
  const lookup = ((
    _host: string,
    options: { all?: boolean },
    callback: (...args: unknown[]) => void,
  ) => {
    if (options.all === true) callback(null, answers);
    else callback(null, answers[0]!.address, answers[0]!.family);
  }) as LookupFunction;
  return { lookup, autoSelectFamily: true };
}
