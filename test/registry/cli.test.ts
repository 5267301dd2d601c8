import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvals } from '../../src/db/schema/index.js';
import { recordExperiment } from '../../src/lineage/index.js';
import { moveAlias, registerVersion } from '../../src/registry/index.js';
import { ferryOnDatabase as ferry } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { mermaidProblems } from '../lineage/mermaid-syntax.js';
import { registration, sha } from './fixtures.js';

describe.each(backends())('ferry models, model, lineage and experiments ($name)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backend.create();
    const { db } = database;
    for (const [i, [trees, accuracy]] of [[10, 0.9], [50, 0.95]].entries()) {
      const run = `wf-iris-${i + 1}`;
      await recordExperiment(db, { workflowId: run, pipeline: 'iris', params: { trees }, seed: 42, metrics: { accuracy: accuracy! }, commit: sha(`commit ${run}`).slice(0, 40) });
      await registerVersion(db, registration('iris', run, { params: { trees }, metrics: { accuracy: accuracy! } }));
    }
    await db.insert(approvals).values({ workflowId: 'wf-iris-2', env: 'production', approver: 'alice', decision: 'approve', via: 'cli', idempotencyKey: 'wf-iris-2/approve' });
    await moveAlias(db, { model: 'iris', alias: 'production', toVersion: 2, actor: 'alice', reason: 'better accuracy', idempotencyKey: 'move-1' });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('lists models, and one model\'s versions with their aliases', async () => {
    const all = await ferry(['models'], database.url);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^NAME\s+OWNER\s+VERSIONS\s+LATEST\s+ALIASES/);
    expect(all.stdout).toMatch(/iris\s+2\s+2\s+production=2/);
    const versions = await ferry(['models', 'iris', '--format', 'json'], database.url);
    expect(JSON.parse(versions.stdout).map((v: { version: number; aliases: string[] }) => [v.version, v.aliases])).toEqual([
      [2, ['production']],
      [1, []],
    ]);
  });

  it('shows the model card of an alias: metrics, gates, lineage, approvals', async () => {
    const card = await ferry(['model', 'iris@production'], database.url);
    expect(card.code).toBe(0);
    for (const needle of ['iris@2  registered  (production)', 'pipeline iris  run wf-iris-2', 'seed 42', 'params {"trees":50}', 'accuracy', 'min(accuracy)', 'alice']) {
      expect(card.stdout).toContain(needle);
    }
  });

  it('prints lineage as mermaid that stays within the flowchart syntax', async () => {
    const result = await ferry(['lineage', 'iris@2', '--format', 'mermaid'], database.url);
    expect(result.code).toBe(0);
    expect(mermaidProblems(result.stdout)).toEqual([]);
    expect(result.stdout).toContain(`sha256 ${sha('train.csv').slice(0, 12)}`);
  });

  it('puts a pipeline\'s runs side by side with a column per param and metric', async () => {
    const result = await ferry(['experiments', 'iris'], database.url);
    expect(result.code).toBe(0);
    const [header, first, second] = result.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^RUN\s+COMMIT\s+SEED\s+P\.TREES\s+M\.ACCURACY\s+CREATED$/);
    expect(first).toMatch(/^wf-iris-1\s+[0-9a-f]{12}\s+42\s+10\s+0\.9\s/);
    expect(second).toMatch(/^wf-iris-2\s+[0-9a-f]{12}\s+42\s+50\s+0\.95\s/);
  });

  it('exits 2 for a malformed reference and 1 for a missing version, naming the fix', async () => {
    const malformed = await ferry(['lineage', 'iris'], database.url);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('lineage "iris": expected <model>@<version|alias>');
    const missing = await ferry(['model', 'iris@9'], database.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("ferry: model iris has no version 9; list its versions and aliases with 'ferry models iris'\n");
  });
});
