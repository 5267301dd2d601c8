import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, type TestDatabase } from '../helpers/db.js';
import { runFerry, startFerry } from '../helpers/cli.js';
import { uniqueQueue } from '../helpers/temporal.js';

/** Waits for `probe` to return a value (schedule listing is eventually consistent). */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('ferry schedule and ferry webhook on the command line', () => {
  let database: TestDatabase;
  let project: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    database = await backends()[0]!.create();
    project = mkdtempSync(join(tmpdir(), 'ferry-cli-triggers-'));
    mkdirSync(join(project, 'pipelines'));
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    const ferry = pathToFileURL(join(process.cwd(), 'src/index.ts')).href;
    writeFileSync(join(project, 'pipelines/tick.ts'), `import { command, definePipeline } from '${ferry}';\nexport default definePipeline({ name: 'tick', build: [command('ok', 'true')] });\n`);
    env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: database.url, FERRY_HOME: join(project, '.ferry'), FERRY_TASK_QUEUE: uniqueQueue('cli-schedule'), FERRY_TOKEN: '' };
  });
  afterAll(async () => {
    await database?.close();
  });

  it('adds, lists and removes a schedule, and refuses a bad --every with exit 2 naming the flag', async () => {
    const bad = await runFerry(['schedule', 'add', 'pipelines/tick.ts', '--every', 'daily'], { cwd: project, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--every daily: expected a duration like');

    const id = `tick-${randomBytes(4).toString('hex')}`;
    const added = await runFerry(['schedule', 'add', 'pipelines/tick.ts', '--every', '6h', '--id', id, '--format', 'json'], { cwd: project, env });
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ id, pipeline: 'tick', every: '6h' });

    const row = await eventually(async () => {
      const listed = await runFerry(['schedule', 'list', '--format', 'json'], { cwd: project, env });
      return (JSON.parse(listed.stdout) as { id: string; nextRuns: string[] }[]).find((r) => r.id === id);
    });
    expect(row).toMatchObject({ pipeline: 'tick', every: '6h' });
    expect(new Date(row.nextRuns[0]!).getTime()).toBeGreaterThan(Date.now());

    const removed = await runFerry(['schedule', 'remove', id], { cwd: project, env });
    expect(removed.code).toBe(0);
    const again = await runFerry(['schedule', 'remove', id], { cwd: project, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`schedule ${id}: no such schedule`);
  });

  it('serves the webhook: a signed ping gets 200, an unsigned push 401; no secret is a usage error', async () => {
    const missing = await runFerry(['webhook', '--port', '0'], { cwd: project, env: { ...env, FERRY_WEBHOOK_SECRET: '' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('FERRY_WEBHOOK_SECRET is not set');

    const secret = randomUUID();
    const { child, output } = await startFerry(['webhook', '--port', '0'], /listening at http:\/\/\S+/, { cwd: project, env: { ...env, FERRY_WEBHOOK_SECRET: secret } });
    try {
      const url = /listening at (http:\/\/\S+):/.exec(output())![1]!;
      const body = JSON.stringify({ zen: 'Design for failure.' });
      const ping = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
      });
      expect(ping.status).toBe(200);
      const unsigned = await fetch(url, { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-github-delivery': randomUUID() } });
      expect(unsigned.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
