// An HTTP proxy on loopback that injects seeded faults per request (5xx, SlowDown, resets, truncated bodies, delays) in front of s3rver.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SeededRandom } from '../../src/random.js';

export type FaultKind = 'internal-error' | 'slow-down' | 'reset-request' | 'reset-response' | 'truncated-body' | 'delay';
const kinds: readonly FaultKind[] = ['internal-error', 'slow-down', 'reset-request', 'reset-response', 'truncated-body', 'delay'];

export interface FaultProxyOptions {
  readonly seed: number;
  /** Chance that a request gets a fault, in [0, 1]. */
  readonly faultProbability: number;
  /** No more faults than this in all, so that any retrying client gets through in bounded time. */
  readonly faultsMax: number;
  readonly delayMsMax: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly injected: Record<FaultKind, number>;
  readonly forwarded: { count: number };
  close(): Promise<void>;
}

function errorBody(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`;
}

export async function startFaultProxy(target: string, options: FaultProxyOptions): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const random = new SeededRandom(options.seed);
  const injected = Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  const forwarded = { count: 0 };
  let faults = 0;
  /** With `keepFraction`, sends only that share of the real body (fewer bytes than Content-Length), then closes the connection. */
  const forward = (incoming: IncomingMessage, response: ServerResponse, keepFraction?: number) => {
    forwarded.count += 1;
    const upstreamRequest = request({ host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (upstream) => {
      response.writeHead(upstream.statusCode ?? 502, upstream.headers);
      const length = Number(upstream.headers['content-length'] ?? 0);
      if (keepFraction === undefined || length < 2) {
        upstream.pipe(response);
        return;
      }
      let sent = 0;
      const keep = Math.floor(length * keepFraction);
      if (keep === 0) {
        response.flushHeaders();
        response.socket?.destroy();
        return;
      }
      upstream.on('data', (chunk: Buffer) => {
        if (sent >= keep) return;
        const part = chunk.subarray(0, keep - sent);
        sent += part.length;
        response.write(part);
        if (sent >= keep) response.socket?.destroy();
      });
      upstream.on('end', () => response.socket?.destroy());
    });
    upstreamRequest.on('error', () => response.destroy());
    incoming.pipe(upstreamRequest);
  };
  const server = createServer((incoming, response) => {
    const fault = faults < options.faultsMax && random.next() < options.faultProbability ? kinds[random.int(kinds.length)] : undefined;
    if (fault === undefined) return forward(incoming, response);
    faults += 1;
    injected[fault] += 1;
    switch (fault) {
      case 'internal-error':
      case 'slow-down':
        incoming.resume();
        response.writeHead(fault === 'slow-down' ? 503 : 500, { 'content-type': 'application/xml' });
        response.end(errorBody(fault === 'slow-down' ? 'SlowDown' : 'InternalError'));
        return;
      case 'reset-request':
        incoming.socket.destroy();
        return;
      case 'reset-response':
        // The connection drops right after the headers of the real response.
        return forward(incoming, response, 0);
      case 'truncated-body':
        return forward(incoming, response, (1 + random.int(9)) / 10);
      case 'delay':
        setTimeout(() => forward(incoming, response), random.int(options.delayMsMax + 1));
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    forwarded,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
