import { startSigner } from '../../runs/start-attestation.js';
import { identify } from '../../auth/identify.js';
import { requireRole } from '../../auth/roles.js';
import { appendAudit } from '../../audit/index.js';
import { loadPipelineFile } from '../../dsl/load.js';
import { applyParams } from '../../runs/start.js';
import { assertServable, checkSubmission } from '../../runs/submit.js';
import { loadConfig } from '../../dsl/load-config.js';
import { addSchedule, listSchedules, parseEvery, removeSchedule } from '../../triggers/schedules.js';
import { printJson, printTable, say } from '../output.js';
import { openSession, type Session } from '../session.js';

async function withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession();
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** `ferry schedule add <file> --every 1d`: validates and policy-checks now, then freezes the spec into a Temporal Schedule. */
export async function scheduleAdd(file: string, opts: { every: string; id?: string; ref?: string; param: string[]; format: string }): Promise<void> {
  parseEvery(opts.every);
  const loaded = applyParams(await loadPipelineFile(file), opts.param);
  // A deploy that can never succeed is refused before anything starts (and before a stack is needed).
  assertServable(loaded, await loadConfig());
  await withSession(async (session) => {
    const user = await identify(session.database.db, session.env.FERRY_TOKEN);
    requireRole(user, 'engineer', 'schedule runs');
    await checkSubmission(session.database.db, loaded, user.name);
    const added = await addSchedule(session.client, loaded, { every: opts.every, id: opts.id, ref: opts.ref, taskQueue: session.env.FERRY_TASK_QUEUE, createdBy: user.name, signer: await startSigner(session.database.db, user, session.env.FERRY_HOME) });
    await appendAudit(session.database.db, {
      actor: user.name,
      action: 'schedule.added',
      subjectKind: 'pipeline',
      subjectId: loaded.spec.name,
      details: { scheduleId: added.id, every: opts.every, file: loaded.file, specHash: loaded.specHash, ref: opts.ref ?? null },
    });
    if (opts.format === 'json') printJson({ id: added.id, pipeline: loaded.spec.name, every: opts.every, specHash: loaded.specHash, nextRuns: added.nextRuns });
    else {
      say(`Scheduled ${loaded.spec.name} every ${opts.every} as "${added.id}" (spec ${loaded.specHash.slice(0, 12)} frozen now; re-add after editing ${loaded.file}).`);
      if (added.nextRuns[0]) say(`  next run: ${added.nextRuns[0].toISOString()}`);
    }
  });
}

/** `ferry schedule list`: Ferry's schedules and when they run next. */
export async function scheduleList(opts: { format: string }): Promise<void> {
  await withSession(async (session) => {
    const user = await identify(session.database.db, session.env.FERRY_TOKEN);
    requireRole(user, 'viewer', 'list schedules');
    const rows = await listSchedules(session.client);
    if (opts.format === 'json') return printJson(rows);
    printTable(
      rows.map((r) => ({ ...r, spec: r.specHash.slice(0, 12), next: r.paused ? 'paused' : r.nextRuns[0], last: r.lastRun })),
      ['id', 'pipeline', 'every', 'spec', 'next', 'last'],
    );
  });
}

/** `ferry schedule remove <id>`: deletes the schedule; runs it already started go on. */
export async function scheduleRemove(id: string, opts: { format: string }): Promise<void> {
  await withSession(async (session) => {
    const user = await identify(session.database.db, session.env.FERRY_TOKEN);
    requireRole(user, 'engineer', 'remove schedules');
    await removeSchedule(session.client, id);
    await appendAudit(session.database.db, { actor: user.name, action: 'schedule.removed', subjectKind: 'schedule', subjectId: id, details: {} });
    if (opts.format === 'json') printJson({ id, removed: true });
    else say(`Removed schedule ${id}.`);
  });
}
