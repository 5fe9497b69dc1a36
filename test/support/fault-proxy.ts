// An HTTP proxy on loopback that injects seeded faults per request (5xx, SlowDown, resets, truncated bodies, delays) in front of s3rver.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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
  /** The shortest delay (default 0). */
  readonly delayMsMin?: number;
  /** The faults to draw from (default all kinds). */
  readonly kinds?: readonly FaultKind[];
  /** Only requests this accepts may get a fault (default every request); `path` has the bucket and key. */
  readonly matches?: (method: string, path: string) => boolean;
  /** The first this many matching requests always pass (default 0), e.g. to fail a backup halfway. */
  readonly passFirst?: number;
  /** A script instead of the seeded draw: the fault (or none) of each matching request. */
  readonly decide?: (method: string, path: string) => FaultKind | undefined;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly injected: Record<FaultKind, number>;
  readonly forwarded: { count: number };
  /** Requests received so far, and those not yet answered or dropped. */
  readonly requests: { count: number; inFlight: number };
  /** Resolves once no request has come or been in flight for `quietMs`. */
  quiet(quietMs: number): Promise<void>;
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
  const requests = { count: 0, inFlight: 0 };
  const faultKinds = options.kinds ?? kinds;
  let faults = 0;
  let matched = 0;
  /** With `keepFraction`, sends only that share of the real body (fewer bytes than Content-Length), then closes the connection. */
  const forward = (incoming: IncomingMessage, response: ServerResponse, keepFraction?: number) => {
    forwarded.count += 1;
    const upstreamRequest = request(
      { host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (upstream) => {
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
      },
    );
    upstreamRequest.on('error', () => response.destroy());
    // A client gone before its whole answer (killed, or gone while a delay ran): the request to s3rver is
    // dropped too, so that s3rver neither waits for the rest of a body nor holds an answer nobody reads.
    if (response.closed) return upstreamRequest.destroy();
    response.once('close', () => {
      if (!response.writableFinished) upstreamRequest.destroy();
    });
    incoming.pipe(upstreamRequest);
  };
  const drawFault = (incoming: IncomingMessage): FaultKind | undefined => {
    if (options.matches !== undefined && !options.matches(incoming.method ?? '', incoming.url ?? '')) return undefined;
    matched += 1;
    if (matched <= (options.passFirst ?? 0) || faults >= options.faultsMax) return undefined;
    if (options.decide !== undefined) return options.decide(incoming.method ?? '', incoming.url ?? '');
    return random.next() < options.faultProbability ? faultKinds[random.int(faultKinds.length)] : undefined;
  };
  const server = createServer((incoming, response) => {
    requests.count += 1;
    requests.inFlight += 1;
    // A response closes when it is sent and when its connection drops, whichever the fault.
    response.once('close', () => (requests.inFlight -= 1));
    const fault = drawFault(incoming);
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
        setTimeout(
          () => forward(incoming, response),
          (options.delayMsMin ?? 0) + random.int(options.delayMsMax - (options.delayMsMin ?? 0) + 1),
        );
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    forwarded,
    requests,
    quiet: async (quietMs) => {
      for (let seen = -1; seen !== requests.count || requests.inFlight > 0;) {
        seen = requests.count;
        await sleep(quietMs);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
