import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkflowNotFoundError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditLog, runs } from '../../src/db/schema/index.js';
import { defineStep } from '../../src/dsl/ferry-config.js';
import { repositoryOfUrl } from '../../src/triggers/push-guard.js';
import { createWebhookServer, type WebhookServer } from '../../src/triggers/push-webhook.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

const SECRET = 'it-is-a-secret-to-everybody';
const ferryIndex = pathToFileURL(join(process.cwd(), 'src/index.ts')).href;
const readVersion = defineStep('webhook.read-version', z.object({}), async (ctx) => ({ metrics: { lines: 1 }, version: ctx.commit }));

// Pipeline files as an ML engineer writes them, committed in the project the webhook serves.
const pipelineFile = (name: string, branches: string[]) => `import { command, definePipeline, step } from '${ferryIndex}';
export default definePipeline({
  name: '${name}',
  on: { push: { branches: ${JSON.stringify(branches)} } },
  build: [command('show', 'cat version.txt')],
  train: step('read', 'webhook.read-version'),
});
`;

/** Signs like GitHub: hex HMAC-SHA256 of the raw body with the hook's secret, prefixed `sha256=`. */
function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function pushBody(branch: string, after: string): string {
  return JSON.stringify({
    ref: `refs/heads/${branch}`,
    before: '0'.repeat(40),
    after,
    deleted: false,
    repository: { full_name: 'acme/models', clone_url: 'https://github.com/acme/models.git' },
    pusher: { name: 'dana', email: 'dana@acme.invalid' },
    sender: { login: 'dana' },
    commits: [],
  });
}

describe.each(backends())('the push webhook ($name)', (backend) => {
  let database: TestDatabase;
  let repo: string;
  let commit: string;
  let hook: WebhookServer;
  let url: string;
  const taskQueue = uniqueQueue('webhook');
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  // Unique per backend: pipeline names are part of the deterministic workflow ids.
  const pipeline = `push-${backend.name}-${randomUUID().slice(0, 8)}`;

  const post = (body: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', ...headers } });

  beforeAll(async () => {
    database = await backend.create();
    repo = makeRepo({
      'version.txt': 'v1\n',
      [`pipelines/${pipeline}.ts`]: pipelineFile(pipeline, ['main', 'release/*']),
      'pipelines/nightly-only.ts': pipelineFile(`nightly-${backend.name}`, ['nightly']),
    });
    // The pushed commit: a release branch one commit ahead of main.
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    git('checkout', '-q', '-b', 'release/1.2');
    writeFileSync(join(repo, 'version.txt'), 'v1.2\n');
    git('commit', '-q', '-am', 'release 1.2');
    commit = git('rev-parse', 'HEAD');
    git('checkout', '-q', 'main');

    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [readVersion] }, cwd: repo });
    temporal = await testClient();
    hook = createWebhookServer({ client: temporal.client, db: database.db, taskQueue, projectDir: repo, secret: SECRET, repository: 'acme/models' });
    url = await hook.listen(0);
  });
  afterAll(async () => {
    await hook?.close();
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('refuses a forged or unsigned delivery with 401 and starts nothing', async () => {
    const body = pushBody('release/1.2', commit);
    const forged = randomUUID();
    const unsigned = randomUUID();
    const tampered = randomUUID();
    expect((await post(body, { 'x-github-delivery': forged, 'x-hub-signature-256': sign(body, 'not-the-secret') })).status).toBe(401);
    expect((await post(body, { 'x-github-delivery': unsigned })).status).toBe(401);
    // Signed for one body, sent with another.
    expect((await post(pushBody('main', commit), { 'x-github-delivery': tampered, 'x-hub-signature-256': sign(body) })).status).toBe(401);
    for (const delivery of [forged, unsigned, tampered]) {
      await expect(temporal.client.workflow.getHandle(`${pipeline}-push-${delivery}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    expect(await database.db.select().from(runs).where(eq(runs.pipeline, pipeline))).toEqual([]);
  });

  it('answers a signed ping with 200', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const res = await post(body, { 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(200);
  });

  it('starts the matching pipeline at the pushed commit, and a redelivery starts nothing more', async () => {
    const body = pushBody('release/1.2', commit);
    const delivery = randomUUID();
    const headers = { 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) };
    const res = await post(body, headers);
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { started: string[]; alreadyStarted: string[]; branch: string; commit: string };
    const workflowId = `${pipeline}-push-${delivery}`;
    expect(answer).toMatchObject({ started: [workflowId], alreadyStarted: [], branch: 'release/1.2', commit });

    const result = await temporal.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ state: 'succeeded', commit });
    const [run] = await database.db.select().from(runs).where(eq(runs.workflowId, workflowId));
    expect(run).toMatchObject({ pipeline, trigger: 'push', triggeredBy: 'dana', commit, status: 'succeeded' });

    // GitHub's "Redeliver" sends the same delivery id again, after the run has finished.
    const again = await post(body, headers);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ started: [], alreadyStarted: [workflowId] });
    expect(await database.db.select().from(runs).where(eq(runs.pipeline, pipeline))).toHaveLength(1);
  });

  it('refuses with 409 a captured push replayed under a new delivery id (same body), and starts nothing', async () => {
    const body = pushBody('release/1.2', commit);
    const delivery = randomUUID();
    const res = await post(body, { 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toMatch(/^replayed push: this exact body was delivered before as [0-9a-f-]+/);
    await expect(temporal.client.workflow.getHandle(`${pipeline}-push-${delivery}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await database.db.select().from(runs).where(eq(runs.pipeline, pipeline))).toHaveLength(1);
  });

  it('refuses with 403 a signed push for another repository than the project\'s, and starts nothing', async () => {
    const body = pushBody('release/1.2', commit).replaceAll('acme/models', 'mallory/fork');
    const delivery = randomUUID();
    const res = await post(body, { 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("repository.full_name: mallory/fork is not this project's repository (acme/models); set FERRY_PUSH_REPOSITORY if the project moved");
    await expect(temporal.client.workflow.getHandle(`${pipeline}-push-${delivery}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('reads the repository from git remote URLs of every usual shape', () => {
    for (const url of ['https://github.com/Acme/Models.git', 'git@github.com:acme/models.git', 'ssh://git@github.example/acme/models', 'https://gitlab.example/acme/models/']) {
      expect(repositoryOfUrl(url), url).toBe('acme/models');
    }
    expect(repositoryOfUrl('/srv/git/models'), 'a local path names no repository').toBeUndefined();
    expect(repositoryOfUrl('not a url')).toBeUndefined();
  });

  it('answers 202 and starts nothing for a branch no pipeline listens to', async () => {
    const body = pushBody('feature/x', commit);
    const delivery = randomUUID();
    const res = await post(body, { 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ branch: 'feature/x', started: [], alreadyStarted: [], refused: [], errors: [] });
    await expect(temporal.client.workflow.getHandle(`${pipeline}-push-${delivery}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('refuses, with the policy named, a pipeline the project policies reject, and starts nothing', async () => {
    const guarded = makeRepo({
      'version.txt': 'v1\n',
      'pipelines/unowned.ts': pipelineFile(`unowned-${backend.name}`, ['main']),
      'policies/owner.ts': `import { requireOwner } from '${ferryIndex}';\nexport default requireOwner();\n`,
    });
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: guarded, encoding: 'utf8' }).trim();
    const guardedHook = createWebhookServer({ client: temporal.client, db: database.db, taskQueue, projectDir: guarded, secret: SECRET });
    const guardedUrl = await guardedHook.listen(0);
    try {
      const body = pushBody('main', head);
      const delivery = randomUUID();
      const res = await fetch(guardedUrl, { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) } });
      expect(res.status).toBe(202);
      const answer = (await res.json()) as { started: string[]; refused: { pipeline: string; reason: string }[] };
      expect(answer.started).toEqual([]);
      expect(answer.refused).toEqual([{ pipeline: `unowned-${backend.name}`, reason: expect.stringContaining('require-owner') }]);
      await expect(temporal.client.workflow.getHandle(`unowned-${backend.name}-push-${delivery}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      const audited = await database.db.select().from(auditLog).where(eq(auditLog.action, 'policy.violation'));
      expect(audited.map((a) => [a.actor, a.subjectId])).toContainEqual(['dana', `unowned-${backend.name}`]);
    } finally {
      await guardedHook.close();
    }
  });

  it('rejects a signed body that is not a push event with 400 naming the field', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'not-a-sha', repository: { full_name: 'acme/models' } });
    const res = await post(body, { 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^body\.after: expected the pushed commit sha/);
  });
});
