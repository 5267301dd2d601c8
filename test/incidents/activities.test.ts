import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncidentActivities } from '../../activities/incidents.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { queryAudit } from '../../src/audit/index.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { backends, type TestDatabase } from '../helpers/db.js';

describe.each(backends())('incident activities ($name)', (backend) => {
  let database: TestDatabase;
  let activities: ReturnType<typeof createIncidentActivities>;

  beforeAll(async () => {
    database = await backend.create();
    const home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
    activities = createIncidentActivities({ db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({}), home, cwd: home });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('records an incident once per key, audited once, a retry getting the same incident back', async () => {
    const input = { model: 'toy', env: 'production', kind: 'drift', summary: 'drifted share 0.6', idempotencyKey: 'wf-monitor:incident:1', workflowId: 'wf-monitor' };
    const first = await activities.recordIncident(input);
    const retried = await activities.recordIncident({ ...input, workflowId: undefined });
    expect([first.created, retried.created, retried.id, first.status]).toEqual([true, false, first.id, 'open']);
    const actions = (await queryAudit(database.db, { model: 'toy' })).filter((x) => x.workflowId === 'wf-monitor').map((x) => x.action);
    expect(actions).toEqual(['incident.opened']);
  });
});
