import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendAudit } from '../audit/append.js';
import type { Executor } from '../audit/executor.js';
import { HttpError } from './http-error.js';

/**
 * `owner/name` of a git remote URL (`https://github.com/acme/models.git`, `git@github.com:acme/models.git`,
 * `ssh://git@host/acme/models`), or undefined when it names no such path.
 */
export function repositoryOfUrl(url: string): string | undefined {
  const path = /^[\w.-]+@[\w.-]+:(.+)$/.exec(url)?.[1] ?? (() => {
    try {
      return new URL(url).pathname;
    } catch {
      return undefined;
    }
  })();
  const m = path ? /([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(path) : null;
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : undefined;
}

/** The repository the project's `origin` remote names (`owner/name`), or undefined without one. */
export function originRepository(projectDir: string): string | undefined {
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return repositoryOfUrl(url);
  } catch {
    return undefined;
  }
}

/** A push for another repository than the configured one: 403, nothing started (the secret may be shared with other repos' hooks). */
export function checkRepository(configured: string | undefined, pushed: string): void {
  if (configured && configured.toLowerCase() !== pushed.toLowerCase()) {
    throw new HttpError(403, `repository.full_name: ${pushed} is not this project's repository (${configured}); set FERRY_PUSH_REPOSITORY if the project moved`);
  }
}

/**
 * Records a delivery's body by its sha256 (audited as `push.received`, idempotent by the hash) and refuses the same
 * body arriving under another delivery id: a captured push replayed with a fresh `X-GitHub-Delivery` (409). The same
 * delivery id again (GitHub's Redeliver) passes, and starts nothing twice because run ids derive from it.
 */
export async function refuseReplayedBody(db: Executor, raw: Buffer, push: { delivery: string; repository: string; ref: string; commit: string }): Promise<void> {
  const bodySha256 = createHash('sha256').update(raw).digest('hex');
  const record = await appendAudit(db, {
    actor: 'webhook',
    action: 'push.received',
    subjectKind: 'repository',
    subjectId: push.repository,
    details: { ...push, bodySha256 },
    idempotencyKey: `push-body:${bodySha256}`,
  });
  const first = (record.details as { delivery?: string }).delivery;
  if (first !== push.delivery) throw new HttpError(409, `replayed push: this exact body was delivered before as ${first}; a new delivery id does not make it a new push`);
}
