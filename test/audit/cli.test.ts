import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/index.js';
import { auditLog } from '../../src/db/schema/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { withTriggersDisabled } from '../registry/fixtures.js';
import { ferryOnDatabase as ferry } from '../helpers/cli.js';

describe.each(backends())('ferry audit and ferry audit verify ($name)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backend.create();
    for (let i = 1; i <= 6; i++) {
      await appendAudit(database.db, {
        actor: i === 5 ? 'carol' : 'alice',
        action: i === 5 ? 'deployment.started' : 'alias.moved',
        subjectKind: 'alias',
        subjectId: i === 5 ? 'fraud@production' : 'churn@production',
        workflowId: `wf-${i}`,
        reason: `step ${i}`,
        details: { toVersion: i },
      });
    }
  });
  afterAll(async () => {
    await database?.close();
  });

  it('exits 0 and reports the record count for an intact log', async () => {
    const result = await ferry(['audit', 'verify'], database.url);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^audit_log intact: 6 records verified; head seq 6 hash [0-9a-f]{64}\n$/);
  });

  it('prints the verification as JSON with --format json', async () => {
    const result = await ferry(['audit', 'verify', '--format', 'json'], database.url);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, checked: 6, head: { seq: 6 } });
  });

  it('lists records filtered by model and actor, as a table and as JSON', async () => {
    const table = await ferry(['audit', '--model', 'churn', '--limit', '2'], database.url);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+AT\s+ACTOR\s+ACTION\s+SUBJECT/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['4', '6']);
    const json = await ferry(['audit', '--actor', 'carol', '--since', '1h', '--format', 'json'], database.url);
    expect(JSON.parse(json.stdout).map((r: { seq: number; action: string }) => [r.seq, r.action])).toEqual([[5, 'deployment.started']]);
  });

  it('rejects a malformed --since with exit 2 naming the flag', async () => {
    const result = await ferry(['audit', '--since', 'yesterday'], database.url);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--since yesterday: expected an ISO date/time');
  });

  it('exits 1 naming the record a superuser changed behind the trigger', async () => {
    await withTriggersDisabled(database.db, () => database.db.update(auditLog).set({ reason: 'nothing happened' }).where(eq(auditLog.seq, 3)));
    const result = await ferry(['audit', 'verify'], database.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('ferry: audit_log seq 3: content changed (hash mismatch); 2 records before it verified\n');
  });

  it('exits 1 naming a record a superuser removed', async () => {
    await withTriggersDisabled(database.db, () => database.db.delete(auditLog).where(eq(auditLog.seq, 2)));
    const result = await ferry(['audit', 'verify'], database.url);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('audit_log seq 2: record removed');
  });
});
