// Rollout safety on the real dev server and model server: a bake needs enough requests and is compared with the stable
// version; a failed rollout opens an incident and raises an alert (to a real webhook receiver on 127.0.0.1).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, asc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookAlert } from '../../src/alerts/index.js';
import { auditLog } from '../../src/db/schema/index.js';
import { listIncidents } from '../../src/incidents/index.js';
import { promotionWorkflowId } from '../../src/core/ids.js';
import type { Strategy } from '../../src/core/rollout.js';
import { promotionStatusQuery, type promotion } from '../../workflows/promotion.js';
import { backends } from '../helpers/db.js';
import { modelNames, predict, production, runPipeline, startHarness, startTraffic, type Harness } from './harness.js';

/** A webhook receiver that keeps every alert it is sent. */
async function alertReceiver(): Promise<{ url: string; alerts: Record<string, unknown>[]; close(): Promise<void> }> {
  const alerts: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      alerts.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, alerts, close: () => new Promise((r) => server.close(() => r())) };
}

describe.each(backends().slice(0, 1))('rollout safety on the real dev server ($name)', (backend) => {
  const models = modelNames('rollout', ['few', 'bluegreen', 'badgreen'] as const);
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof alertReceiver>>;

  beforeAll(async () => {
    receiver = await alertReceiver();
    h = await startHarness(backend, Object.values(models), [], { alertChannels: [createWebhookAlert({ url: receiver.url, secret: 'rollout-test-secret', retries: 0 })] });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** v1 (healthy) live in production and v2 of the given quality registered; returns the audit position before v2's promotion. */
  async function twoVersions(model: string, quality: number): Promise<number> {
    expect((await runPipeline(h, model, 0.8, { deploy: [{ env: 'production' }] })).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect((await runPipeline(h, model, quality)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    const rows = await h.database.db.select({ seq: auditLog.seq }).from(auditLog);
    return Math.max(...rows.map((r) => r.seq));
  }

  const start = (model: string, strategy: Strategy) =>
    h.client.workflow.start<typeof promotion>('promotion', {
      workflowId: promotionWorkflowId(model, 'production'),
      taskQueue: h.taskQueue,
      args: [{ model, version: 2, env: 'production', target: 'local', strategy, kind: 'deploy', actor: 'alice', reason: 'rollout safety test' }],
    });

  const auditAfter = (model: string, seq: number) =>
    h.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, `${model}@production`), gt(auditLog.seq, seq))).orderBy(asc(auditLog.seq));

  it('does not promote a canary that answered only 3 requests in its bake, and opens an incident and alerts for the failed rollout', async () => {
    const model = models.few;
    await twoVersions(model, 0.9);
    // The default minimum (100 requests per step): a healthy model is still not promoted on 3 requests' evidence.
    const handle = await start(model, { kind: 'canary', steps: [50, 100], bake: '4s', maxErrorRate: 0.05 });
    await expect.poll(async () => (await handle.query(promotionStatusQuery).catch(() => undefined))?.state, { timeout: 60_000, interval: 100 }).toBe('baking');
    let canaryAnswers = 0;
    for (let i = 0; canaryAnswers < 3 && i < 200; i++) {
      const { status, body } = await predict(h, model, [{ x: i % 10 }]);
      expect(status).toBe(200);
      if (body.version === 2) canaryAnswers++;
    }
    expect(canaryAnswers).toBe(3);

    const result = await handle.result();
    expect(result).toMatchObject({ state: 'rolled-back', version: 2, from: 1, reason: expect.stringContaining('3 requests in the bake window, fewer than the 100 needed to judge it') });
    expect(await production(h, model)).toEqual({ alias: 1, routes: [{ version: 1, percent: 100 }], served: [{ version: 1, percent: 100 }] });

    const [incident, ...more] = await listIncidents(h.database.db, { model });
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ env: 'production', kind: 'rollout', status: 'open', summary: expect.stringMatching(/^canary of .* v2 in production failed and was rolled back to v1: .*3 requests/) });
    await expect.poll(() => receiver.alerts.filter((a) => a.model === model), { timeout: 30_000 }).toEqual([
      expect.objectContaining({ kind: 'ferry.alert', severity: 'critical', env: 'production', incidentId: incident!.id, title: `${model} in production: rollout of v2 failed` }),
    ]);
  });

  it('switches blue/green all at once, judges green against blue in the window before, and switches back when green fails', async () => {
    const strategy = { kind: 'blue-green' as const, bake: '3s', minRequests: 10 };
    for (const [model, quality] of [[models.bluegreen, 0.9], [models.badgreen, 0.3]] as const) {
      const auditFrom = await twoVersions(model, quality);
      const traffic = startTraffic(h, model);
      try {
        // Blue takes traffic for a bake's length first: the window green is compared with.
        await new Promise((r) => setTimeout(r, 3500));
        const result = await (await start(model, strategy)).result();
        const [gate] = (await auditAfter(model, auditFrom)).filter((a) => a.action === 'gate.result');
        expect(gate!.details).toMatchObject({ gate: 'canary-health', version: 2, minRequests: 10 });
        if (quality > 0.5) {
          expect((gate!.details as { stable: { version: number; requests: number } }).stable).toMatchObject({ version: 1, requests: expect.any(Number) });
          expect((gate!.details as { stable: { requests: number } }).stable.requests).toBeGreaterThan(10);
          expect(result).toEqual({ model, env: 'production', version: 2, from: 1, state: 'live' });
          expect(gate!.reason).toMatch(/no worse than stable v1 in the window before/);
          expect(await production(h, model)).toEqual({ alias: 2, routes: [{ version: 2, percent: 100 }], served: [{ version: 2, percent: 100 }] });
        } else {
          expect(result).toMatchObject({ state: 'rolled-back', reason: expect.stringMatching(/error rate 100\.00%/) });
          expect(await production(h, model)).toEqual({ alias: 1, routes: [{ version: 1, percent: 100 }], served: [{ version: 1, percent: 100 }] });
          expect((await listIncidents(h.database.db, { model })).map((i) => i.kind)).toEqual(['rollout']);
        }
      } finally {
        await traffic.stop();
      }
      // All of green's bake went to green: blue/green is a switch, not a split.
      expect(quality > 0.5 ? traffic.versions[2] : traffic.statuses[500]).toBeGreaterThan(10);
    }
  });
});
