import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { firstIssue, joinPath } from '../dsl/issues.js';

/** An error that becomes an HTTP response: its status and a JSON body `{ error, ...extra }`. */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Largest request body accepted (10 MiB): bigger batches should be split by the client. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Reads and JSON-parses a request body, then validates it; 413/400 on a body too large, not JSON, or not matching. */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes; send smaller batches`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not JSON; send Content-Type: application/json with a JSON object');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, body);
    throw new HttpError(400, `${issue.path ? joinPath('body', issue.path) : 'body.(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A URL path segment decoded; a broken percent-escape (`%E0%A4%A`) is the caller's 400, not a server error. */
export function pathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `path segment "${raw}" is not valid percent-encoding; encode the model name with encodeURIComponent`);
  }
}
