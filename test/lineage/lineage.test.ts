import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvals, deployments, runs } from '../../src/db/schema/index.js';
import { formatLineage, lineageOf, recordDataset, recordEdge, recordExperiment } from '../../src/lineage/index.js';
import { moveAlias, registerVersion } from '../../src/registry/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { countRows, registration, sha, uniqueRun } from '../registry/fixtures.js';
import { mermaidProblems } from './mermaid-syntax.js';

describe.each(backends())('lineage of a model version ($name)', (backend) => {
  let database: TestDatabase;
  const run = uniqueRun('wf-churn');
  const parent = uniqueRun('wf-parent');

  beforeAll(async () => {
    database = await backend.create();
    const { db } = database;
    await db.insert(runs).values({
      workflowId: run,
      temporalRunId: 'temporal-1',
      pipeline: 'churn',
      model: 'churn',
      specHash: sha('spec churn'),
      spec: { name: 'churn', repo: { path: '/srv/repos/churn' } },
      trigger: 'push',
      triggeredBy: 'dana',
      status: 'succeeded',
    });
    await recordExperiment(db, { workflowId: run, pipeline: 'churn', params: { learningRate: 0.1, trees: 50 }, seed: 42, metrics: { accuracy: 0.91 }, environment: { node: 'v20' } });
    await registerVersion(db, registration('churn', run, { parentRuns: [parent], modelCard: { description: 'Churn classifier' } }));
    await db.insert(approvals).values([
      { workflowId: run, env: 'staging', approver: 'erin', decision: 'refused', reason: 'author cannot approve', via: 'cli', idempotencyKey: `${run}/a1` },
      { workflowId: run, env: 'staging', approver: 'alice', decision: 'approve', comment: 'numbers look right', via: 'slack', idempotencyKey: `${run}/a2` },
      { workflowId: run, env: 'production', approver: 'bob', decision: 'approve', via: 'cli', idempotencyKey: `${run}/a3` },
    ]);
    const [deployment] = await db
      .insert(deployments)
      .values({ model: 'churn', version: 1, env: 'production', target: 'local', strategy: 'canary', status: 'live', trafficPercent: 100, workflowId: run, idempotencyKey: `${run}/d1` })
      .returning();
    await recordEdge(db, { from: { kind: 'model-version', id: 'churn@1' }, to: { kind: 'deployment', id: String(deployment!.id) }, relation: 'deployed-as', workflowId: run });
    await moveAlias(db, { model: 'churn', alias: 'production', toVersion: 1, actor: 'bob', reason: 'approved for production', workflowId: run, idempotencyKey: `${run}/m1` });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('names the commit, repo, dataset hashes, params, seed, run, parent runs, metrics, gates, approvers and deployments', async () => {
    const l = await lineageOf(database.db, 'churn', 1);
    const expected = registration('churn', run);
    expect(l).toMatchObject({
      model: 'churn',
      version: 1,
      status: 'registered',
      upstream: {
        commit: expected.commit,
        repo: '/srv/repos/churn',
        datasets: [
          { name: 'holdout', sha256: sha('holdout.csv'), uri: 'data/holdout.csv', rows: 200 },
          { name: 'train', sha256: sha('train.csv'), uri: 'data/train.csv', rows: 1000 },
        ],
        params: { learningRate: 0.1, trees: 50 },
        seed: 42,
        pipeline: 'churn',
        specHash: sha('spec churn'),
        run,
        temporalRunId: 'temporal-1',
        trigger: 'push',
        triggeredBy: 'dana',
        environment: { node: 'v20' },
        parentRuns: [parent],
      },
      artifact: { sha256: expected.artifact.sha256, kind: 'model', size: 1234 },
      evaluation: { metrics: { accuracy: 0.91, f1: 0.88 }, gates: [{ gate: 'min(accuracy)', passed: true }] },
      downstream: {
        aliases: ['production'],
        deployments: [{ env: 'production', status: 'live', trafficPercent: 100, strategy: 'canary' }],
        aliasMoves: [{ alias: 'production', fromVersion: null, toVersion: 1, actor: 'bob' }],
      },
    });
    expect(l!.approvals.map((a) => [a.env, a.approver, a.decision])).toEqual([
      ['staging', 'erin', 'refused'],
      ['staging', 'alice', 'approve'],
      ['production', 'bob', 'approve'],
    ]);
  });

  it('answers undefined for a version that does not exist', async () => {
    expect(await lineageOf(database.db, 'churn', 2)).toBeUndefined();
  });

  it('renders text naming what an auditor asks for', async () => {
    const text = formatLineage((await lineageOf(database.db, 'churn', 1))!, 'text');
    const expected = registration('churn', run);
    for (const needle of [expected.commit, sha('train.csv'), sha('holdout.csv'), '"learningRate":0.1', 'seed        42', 'accuracy=0.91', 'pass  min(accuracy)', 'approve by alice via slack', 'refused by erin', 'production  approve by bob', 'deployment  production live 100%']) {
      expect(text).toContain(needle);
    }
  });

  it('renders mermaid within the conservative flowchart syntax, with every part of the lineage as a node', async () => {
    const mermaid = formatLineage((await lineageOf(database.db, 'churn', 1))!, 'mermaid');
    expect(mermaidProblems(mermaid)).toEqual([]);
    const expected = registration('churn', run);
    for (const needle of [`commit ${expected.commit.slice(0, 12)}`, `sha256 ${sha('train.csv').slice(0, 12)}`, 'seed 42', 'learningRate=0.1', 'churn@1', 'gates 1/1 passed', 'approve by alice', 'deployment production', 'alias production']) {
      expect(mermaid).toContain(needle);
    }
    expect(mermaid).toMatch(/-->\|used\|/);
  });

  it('renders dot as a digraph whose edges join declared nodes', async () => {
    const dot = formatLineage((await lineageOf(database.db, 'churn', 1))!, 'dot');
    expect(dot.startsWith('digraph lineage {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    const declared = new Set([...dot.matchAll(/^ {2}(n\d+) \[label=/gm)].map((m) => m[1]));
    const edges = [...dot.matchAll(/^ {2}(n\d+) -> (n\d+) \[label="([^"]+)"\];$/gm)];
    expect(edges.length).toBeGreaterThan(8);
    for (const [, from, to] of edges) expect(declared.has(from) && declared.has(to)).toBe(true);
  });

  it('renders json that parses back to the same lineage', async () => {
    const l = (await lineageOf(database.db, 'churn', 1))!;
    expect(JSON.parse(formatLineage(l, 'json'))).toEqual(JSON.parse(JSON.stringify(l)));
  });

  it('records a dataset and an edge once however often they are recorded', async () => {
    const input = { name: 'extra', uri: 'data/extra.csv', sha256: sha('extra') };
    const first = await recordDataset(database.db, input);
    const second = await recordDataset(database.db, { ...input, rows: 5 });
    expect(second.id).toBe(first.id);
    expect(second.rows).toBe(5);
    const before = await countRows(database.db, 'lineage_edges');
    for (let i = 0; i < 3; i++) await recordEdge(database.db, { from: { kind: 'dataset', id: String(first.id) }, to: { kind: 'run', id: 'wf-x' }, relation: 'used' });
    expect(await countRows(database.db, 'lineage_edges')).toBe(before + 1);
  });
});
