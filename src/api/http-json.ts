// JSON over node:http for the management API: reading a bounded body, writing answers, and mapping error codes to HTTP statuses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CutlineError, isCutlineError } from '../errors.js';
import type { ErrorCode } from '../error-codes.js';
import { apiRequestBytesMax } from '../limits.js';

/** The body of every error answer: a stable code (src/error-codes.ts) and a message for people. */
export interface ApiError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
}

const statusByCode: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  LIMIT_EXCEEDED: 413,
  API_NOT_FOUND: 404,
  API_UNAUTHORIZED: 401,
  BACKUP_NOT_FOUND: 404,
  BACKUP_ID_CONFLICT: 409,
  BACKUP_IN_PROGRESS: 409,
  STORE_UNAVAILABLE: 503,
  STORE_ACCESS_DENIED: 502,
};

/** The HTTP status an error answers with: 500 for anything not listed (a broken manifest, a bug). */
export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code] ?? 500;
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Answers with {code, message, hint?}; an unexpected error is reported as INTERNAL without its stack. */
export function sendError(response: ServerResponse, error: unknown): void {
  const body: ApiError = isCutlineError(error)
    ? { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) }
    : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
  sendJson(response, httpStatusOf(body.code), body);
}

/** Reads a JSON object body of at most apiRequestBytesMax bytes; an empty body is {}. */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > apiRequestBytesMax)
      throw new CutlineError('LIMIT_EXCEEDED', `the request body is larger than apiRequestBytesMax (${apiRequestBytesMax} bytes)`);
    chunks.push(bytes);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CutlineError('USAGE', `the request body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
      hint: 'Send a JSON object such as {"backupId": 12}, or no body.',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CutlineError('USAGE', 'the request body must be a JSON object', {
      hint: 'Send a JSON object such as {"backupId": 12}, or no body.',
    });
  }
  return value as Record<string, unknown>;
}
