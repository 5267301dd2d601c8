import { z } from 'zod';
import { queryAudit, verifyAuditChain } from '../../audit/index.js';
import { durationMs, durationSchema } from '../../core/duration.js';
import { FerryError, UsageError } from '../../core/errors.js';
import { Client, Connection } from '@temporalio/client';
import { withDatabase } from '../db-session.js';
import type { FerryEnv } from '../../settings.js';
import type { AuditCheckpoint } from '../../../workflows/audit-anchor.js';
import { resolveEndpoints } from '../../stack.js';
import { temporalConnection } from '../../temporal/tls.js';
import { auditCheckpoints, checkAgainstCheckpoints } from '../../audit/anchor.js';
import { printJson, printTable } from '../output.js';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const limitSchema = z.coerce.number().int().min(1).max(100_000);

/** `--since`: an ISO date/time, or a duration ago (`24h`, `7d`). */
function parseSince(text: string, now = Date.now()): Date {
  if (durationSchema.safeParse(text).success) return new Date(now - durationMs(text));
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--since ${text}: expected an ISO date/time (2025-01-31, 2025-01-31T12:00Z) or a duration ago (24h, 7d)`);
  return date;
}

/** `ferry audit`: the newest audit records (oldest first), filtered by model, time, actor or action. */
export async function audit(opts: { model?: string; since?: string; actor?: string; action?: string; limit: string; format: string }): Promise<void> {
  const limit = limitSchema.safeParse(opts.limit);
  if (!limit.success) throw new UsageError(`--limit ${opts.limit}: expected a whole number from 1 to 100000`);
  const since = opts.since ? parseSince(opts.since) : undefined;
  await withDatabase(async ({ database: { db } }) => {
    const rows = await queryAudit(db, { model: opts.model, since, actor: opts.actor, action: opts.action, limit: limit.data });
    if (opts.format === 'json') return printJson(rows);
    if (rows.length === 0) return void process.stdout.write('No audit records match.\n');
    printTable(
      rows.map((r) => ({ ...r, subject: `${r.subjectKind} ${r.subjectId}`, run: r.workflowId, details: clip(JSON.stringify(r.details), 80), hash: r.hash.slice(0, 12) })),
      ['seq', 'at', 'actor', 'action', 'subject', 'run', 'reason', 'details', 'hash'],
    );
  });
}

/**
 * `ferry audit verify`: recomputes the chain, then compares it with the checkpoints anchored in Temporal (the
 * `ferry-audit-anchor` workflow), which catches what a chain alone cannot: a rehashed rewrite and a truncated tail.
 * Exit 0 when intact, exit 1 naming the first broken record or the missing range. `--no-anchor`: the chain only.
 */
export async function auditVerify(opts: { format: string; anchor?: boolean }): Promise<void> {
  await withDatabase(async ({ env, database: { db } }) => {
    const result = await verifyAuditChain(db);
    // The anchor lives in Temporal: with no stack configured or reachable (DATABASE_URL only), the chain is checked by itself.
    const checkpoints = opts.anchor === false ? undefined : await anchoredCheckpoints(env);
    const anchor = checkpoints ? await checkAgainstCheckpoints(db, checkpoints) : undefined;
    if (opts.format === 'json') printJson({ ...result, anchor: anchor ?? null });
    if (!result.ok && result.firstBroken) {
      throw new FerryError(`audit_log seq ${result.firstBroken.seq}: ${result.firstBroken.reason}; ${result.checked} records before it verified`, { details: { ...result } });
    }
    if (anchor && !anchor.ok) throw new FerryError(`audit_log seq ${anchor.firstBroken.seq}: ${anchor.firstBroken.reason}`, { details: { ...anchor } });
    if (opts.format !== 'json') {
      const head = result.head ? `; head seq ${result.head.seq} hash ${result.head.hash}` : '';
      const anchored = anchor?.ok ? `; ${anchor.anchored} checkpoints in Temporal match${anchor.newest ? ` (newest seq ${anchor.newest.seq})` : ''}` : '';
      process.stdout.write(`audit_log intact: ${result.checked} records verified${head}${anchored}\n`);
    }
  });
}

/** The audit anchor's checkpoints, or undefined when no Temporal stack is configured, reachable, or anchoring. */
async function anchoredCheckpoints(env: FerryEnv): Promise<AuditCheckpoint[] | undefined> {
  let endpoints;
  try {
    endpoints = resolveEndpoints(env);
  } catch {
    return undefined;
  }
  const connection = await Connection.connect({ ...temporalConnection(endpoints.temporalAddress), connectTimeout: '5s' }).catch(() => undefined);
  if (!connection) return undefined;
  try {
    return await auditCheckpoints(new Client({ connection, namespace: endpoints.namespace }));
  } finally {
    await connection.close();
  }
}
