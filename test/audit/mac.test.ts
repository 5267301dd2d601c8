import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, auditHash, GENESIS_HASH, verifyAuditChain, type AuditContent } from '../../src/audit/index.js';
import { createDatabase, type Database, type Db } from '../../src/db/client.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrateDatabase, migrationsFolder } from '../../src/db/migrate.js';

// Attack #10a: someone with database write access INSERTs a correctly hash-chained row at the tail. Every record Ferry
// appends carries an HMAC over (seq, prevHash, hash) with the audit key, which is not in Postgres; records written
// before migration 0006 carry none and still verify. Here on a database that really was upgraded: migrated to 0005,
// old-style rows written, then 0006 applied.

/** A correctly hashed row, written with plain SQL as a database user can (no MAC: nobody outside Ferry has the key). */
async function insertHashed(db: Db, seq: number, prevHash: string, actor: string, mac: string | null = null): Promise<string> {
  const content: AuditContent = { seq, at: new Date(), actor, action: 'approval.decided', subjectKind: 'run', subjectId: `run-${seq}`, workflowId: null, temporalRunId: null, reason: null, details: { decision: 'approve' } };
  const hash = auditHash(prevHash, content);
  await db.execute(sql`insert into audit_log (seq, at, actor, action, subject_kind, subject_id, details, prev_hash, hash, mac)
    values (${seq}, ${content.at.toISOString()}, ${actor}, ${content.action}, ${content.subjectKind}, ${content.subjectId}, ${JSON.stringify(content.details)}::jsonb, ${prevHash}, ${hash}, ${mac})`);
  return hash;
}

describe('audit records carry a MAC only Ferry can make', () => {
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  let database: Database;

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    database = createDatabase(server.url);
    // The schema as it was before migration 0006: the journal cut after 0005.
    const before = mkdtempSync(join(tmpdir(), 'ferry-migrations-'));
    cpSync(migrationsFolder, before, { recursive: true });
    const journal = JSON.parse(readFileSync(join(before, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0006');
    writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify(journal));
    await migrate(database.db, { migrationsFolder: before });
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq += 1) {
      const content: AuditContent = { seq, at: new Date(), actor: 'alice', action: 'model.registered', subjectKind: 'model', subjectId: `m${seq}`, workflowId: null, temporalRunId: null, reason: null, details: {} };
      const hash = auditHash(prev, content);
      await database.db.execute(sql`insert into audit_log (seq, at, actor, action, subject_kind, subject_id, details, prev_hash, hash)
        values (${seq}, ${content.at.toISOString()}, 'alice', 'model.registered', 'model', ${content.subjectId}, '{}'::jsonb, ${prev}, ${hash})`);
      prev = hash;
    }
    await migrateDatabase(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop();
  });

  it('records written before the upgrade (no MAC) still verify, and so do Ferry appends after it', async () => {
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 3 });
    const record = await appendAudit(database.db, { actor: 'alice', action: 'model.registered', subjectKind: 'model', subjectId: 'm4' });
    expect(record.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 4, head: { seq: 4 } });
  });

  it('a correctly hashed tail row INSERTed with plain SQL, or with a made-up MAC, is named as not written by Ferry', async () => {
    const [head] = (await database.db.execute(sql`select hash from audit_log order by seq desc limit 1`)).rows as { hash: string }[];
    await insertHashed(database.db, 5, head!.hash, 'lee');
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, checked: 4, firstBroken: { seq: 5, reason: expect.stringMatching(/^not written by Ferry: it has no audit MAC/) } });
    // A database user cannot take the check back: audit_mac_from refuses changes, and a smaller seq only makes it stricter.
    await expect(database.db.execute(sql`update audit_mac_from set seq = 100`)).rejects.toThrow();
    await database.db.execute(sql`insert into audit_mac_from (seq) values (100)`);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, firstBroken: { seq: 5 } });

    // A MAC the forger made up (or made with a key of their own) does not verify either.
    await database.db.execute(sql`alter table audit_log disable trigger user`);
    await database.db.execute(sql`delete from audit_log where seq = 5`);
    await database.db.execute(sql`alter table audit_log enable trigger user`);
    await insertHashed(database.db, 5, head!.hash, 'lee', 'ab'.repeat(32));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, firstBroken: { seq: 5, reason: expect.stringMatching(/^not written by Ferry: its audit MAC does not verify/) } });
  });
});
