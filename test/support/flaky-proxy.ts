// An HTTP proxy on loopback that answers some requests with S3 throttling or 5xx errors and forwards the rest.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlakyProxy {
  readonly endpoint: string;
  /** Requests answered with an error so far, and requests forwarded. */
  readonly counts: { failed: number; forwarded: number };
  close(): Promise<void>;
}

/** failFirst(n): of every n requests to a path, the first n-1 fail (503 SlowDown, then 500 InternalError alternately). */
export async function startFlakyProxy(target: string, failuresPerRequest: number): Promise<FlakyProxy> {
  const targetUrl = new URL(target);
  const seen = new Map<string, number>();
  const counts = { failed: 0, forwarded: 0 };
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const attempt = (seen.get(`${incoming.method} ${incoming.url}`) ?? 0) + 1;
    seen.set(`${incoming.method} ${incoming.url}`, attempt);
    if (attempt <= failuresPerRequest) {
      counts.failed += 1;
      incoming.resume();
      const [status, code] = attempt % 2 === 1 ? [503, 'SlowDown'] : [500, 'InternalError'];
      response.writeHead(status, { 'content-type': 'application/xml' });
      response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`);
      return;
    }
    seen.delete(`${incoming.method} ${incoming.url}`);
    counts.forwarded += 1;
    const forwarded = request(
      { host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (upstream) => {
        response.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
