import { and, desc, eq, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema/index.js';
import { UsageError } from '../core/errors.js';

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export const incidentStatusSchema = z.enum(INCIDENT_STATUSES);
export type IncidentStatus = z.infer<typeof incidentStatusSchema>;
export type Incident = typeof incidents.$inferSelect;

export const openIncidentSchema = z.object({
  model: z.string().min(1),
  env: z.string().min(1),
  /** What broke: `drift`, `performance`, `data-quality`, `canary`, `deploy`… */
  kind: z.string().min(1),
  summary: z.string().min(1),
  /** A retried open (same key) returns the first incident. */
  idempotencyKey: z.string().min(1),
  actor: z.string().min(1).default('ferry'),
  workflowId: z.string().min(1).optional(),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type OpenIncidentInput = z.input<typeof openIncidentSchema>;

const subject = (i: Pick<Incident, 'model' | 'env'>) => `${i.model}@${i.env}`;

/** Opens an incident (idempotent by key) and audits it in the same transaction; `created` is false for a retry. */
export async function openIncident(db: Db, input: OpenIncidentInput): Promise<{ incident: Incident; created: boolean }> {
  const i = openIncidentSchema.parse(input);
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(incidents)
      .values({ model: i.model, env: i.env, kind: i.kind, summary: i.summary, idempotencyKey: i.idempotencyKey })
      .onConflictDoNothing({ target: incidents.idempotencyKey })
      .returning();
    if (!created) {
      const [existing] = await tx.select().from(incidents).where(eq(incidents.idempotencyKey, i.idempotencyKey));
      return { incident: existing!, created: false };
    }
    await appendAudit(tx, {
      actor: i.actor,
      action: 'incident.opened',
      subjectKind: 'incident',
      subjectId: subject(created),
      workflowId: i.workflowId,
      reason: i.summary,
      details: { incidentId: created.id, model: i.model, env: i.env, kind: i.kind, ...i.details },
      idempotencyKey: `incident.opened:${i.idempotencyKey}`,
    });
    return { incident: created, created: true };
  });
}

type Transition = 'acknowledged' | 'resolved';

async function transition(db: Db, id: number, to: Transition, by: { actor: string; reason?: string }): Promise<{ incident: Incident; changed: boolean }> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
    if (!current) throw new UsageError(`incident ${id}: not found; list incidents with 'npx ferry incidents'`);
    // Repeating a transition is a no-op, so a retried command or activity changes nothing.
    if (current.status === to) return { incident: current, changed: false };
    if (current.status === 'resolved') throw new UsageError(`incident ${id}: already resolved; nothing to acknowledge`);
    const now = new Date();
    const set =
      to === 'acknowledged'
        ? { status: to, acknowledgedAt: now, acknowledgedBy: by.actor }
        : { status: to, resolvedAt: now, resolvedBy: by.actor, ...(current.acknowledgedAt ? {} : { acknowledgedAt: now, acknowledgedBy: by.actor }) };
    const [updated] = await tx.update(incidents).set(set).where(eq(incidents.id, id)).returning();
    await appendAudit(tx, {
      actor: by.actor,
      action: `incident.${to}`,
      subjectKind: 'incident',
      subjectId: subject(current),
      reason: by.reason,
      details: { incidentId: id, model: current.model, env: current.env, kind: current.kind, from: current.status, to },
      idempotencyKey: `incident.${to}:${id}`,
    });
    return { incident: updated!, changed: true };
  });
}

/** open → acknowledged (audited); acknowledging twice is a no-op, a resolved incident cannot be acknowledged. */
export function acknowledgeIncident(db: Db, id: number, by: { actor: string; reason?: string }) {
  return transition(db, id, 'acknowledged', by);
}

/** open/acknowledged → resolved (audited); resolving twice is a no-op. */
export function resolveIncident(db: Db, id: number, by: { actor: string; reason?: string }) {
  return transition(db, id, 'resolved', by);
}

/** Incidents, newest first, optionally by status and model. */
export async function listIncidents(db: Db, filter: { status?: IncidentStatus; model?: string; limit?: number } = {}): Promise<Incident[]> {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(incidents.status, filter.status));
  if (filter.model) where.push(eq(incidents.model, filter.model));
  return db
    .select()
    .from(incidents)
    .where(and(...where))
    .orderBy(desc(incidents.openedAt), desc(incidents.id))
    .limit(filter.limit ?? 50);
}
