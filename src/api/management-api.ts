// The engine's HTTP management API (node:http): routes under /backups, JSON answers, errors as {code, message}.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CutlineError } from '../errors.js';
import type { BackupApiService } from './backup-api-service.js';
import { readJsonObject, sendError, sendJson } from './http-json.js';
import { metricsContentType } from './metrics.js';
import { bearerMatches, requireTokenOffLoopback } from './api-auth.js';

export interface ManagementApi {
  /** The base URL, e.g. http://127.0.0.1:9600 */
  readonly url: string;
  close(): Promise<void>;
}

export interface ManagementApiOptions {
  /** With a token, every route requires `Authorization: Bearer <token>`; without one the API serves loopback only (api-auth.ts). */
  readonly token?: string;
}

/**
 * Serves POST /backups, GET /backups, GET /backups/state, GET /backups/{id}, DELETE /backups/{id}, GET /health and GET /metrics.
 * Port 0 picks a free port (tests); the host defaults to loopback. Off loopback it refuses to start without a token.
 */
export async function startManagementApi(
  service: BackupApiService,
  port: number,
  host = '127.0.0.1',
  options: ManagementApiOptions = {},
): Promise<ManagementApi> {
  requireTokenOffLoopback(host, options.token);
  const { token } = options;
  const server = createServer((request, response) => {
    // Checked before routing, so a caller without the token learns nothing, not even which routes exist.
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) return unauthorized(request, response);
    void route(service, request, response).catch((error: unknown) => sendError(response, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}`, close: () => closeServer(server) };
}

async function route(service: BackupApiService, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  const pathname = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
  if (pathname === '/backups') {
    if (method === 'POST') {
      const body = await readJsonObject(request);
      const unknown = Object.keys(body).filter((key) => key !== 'backupId');
      if (unknown.length > 0)
        throw new CutlineError('USAGE', `unknown field(s) in the request body: ${unknown.join(', ')}`, {
          hint: 'The only field is backupId.',
        });
      sendJson(response, 202, { backupId: await service.take(body.backupId) });
      return;
    }
    if (method === 'GET') return sendJson(response, 200, { backups: await service.list() });
    throw notAllowed(method, pathname, 'GET, POST');
  }
  if (pathname === '/metrics') {
    if (method !== 'GET') throw notAllowed(method, pathname, 'GET');
    response.writeHead(200, { 'content-type': metricsContentType });
    response.end(service.metrics());
    return;
  }
  if (pathname === '/health') {
    if (method === 'GET') return sendJson(response, 200, service.health());
    throw notAllowed(method, pathname, 'GET');
  }
  if (pathname === '/backups/state') {
    if (method === 'GET') return sendJson(response, 200, service.backupsState());
    throw notAllowed(method, pathname, 'GET');
  }
  const match = /^\/backups\/([^/]+)$/.exec(pathname);
  if (match !== null) {
    const backupId = parseBackupId(match[1] ?? '');
    if (method === 'GET') return sendJson(response, 200, await service.status(backupId));
    if (method === 'DELETE') return sendJson(response, 200, await service.delete(backupId));
    throw notAllowed(method, pathname, 'GET, DELETE');
  }
  throw new CutlineError('API_NOT_FOUND', `no route ${method} ${pathname || '/'}`, {
    hint: 'Routes: POST|GET /backups, GET /backups/state, GET|DELETE /backups/{id}, GET /health, GET /metrics.',
  });
}

/** 401 without echoing what was sent: neither the header nor the token appears in the answer. */
function unauthorized(request: IncomingMessage, response: ServerResponse): void {
  const what =
    request.headers.authorization === undefined ? 'no Authorization header' : 'an Authorization header without the right bearer token';
  response.setHeader('www-authenticate', 'Bearer realm="cutline"');
  sendError(
    response,
    new CutlineError('API_UNAUTHORIZED', `the management API needs its bearer token; the request had ${what}`, {
      hint: 'Send Authorization: Bearer <token>; the cutline CLI sends CUTLINE_API_TOKEN.',
    }),
  );
}

function parseBackupId(text: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new CutlineError('USAGE', `${JSON.stringify(text)} is not a backup id (a positive integer)`, {
      hint: 'Backup ids are listed by GET /backups.',
    });
  }
  return value;
}

function notAllowed(method: string, pathname: string, allowed: string): CutlineError {
  return new CutlineError('API_NOT_FOUND', `no route ${method} ${pathname}; it answers ${allowed}`, {
    hint: 'Routes: POST|GET /backups, GET /backups/state, GET|DELETE /backups/{id}, GET /health, GET /metrics.',
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
}
