import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../helpers/git.js';
import { processesMentioning, runFerry, startFerry, waitFor } from '../helpers/cli.js';

const ferry = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));

// SIGKILL of the whole `ferry dev` (worker, embedded Postgres, Temporal dev server) in training, while waiting for
// an approval, and right after the approval: every time it restarts, the run goes on and no finished step repeats.
describe('ferry dev killed at several stages of one run', () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-crash-home-'));
  const effects = join(home, 'effects.txt');
  const repo = makeRepo({
    'package.json': '{ "type": "module" }\n',
    'ferry.config.ts': `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineConfig, definePredictor, defineStep } from ${ferry};

const train = defineStep('slow.train', z.object({}), async (ctx) => {
  for (let i = 0; i < 8; i++) {
    ctx.heartbeat({ step: i });
    await new Promise((r) => setTimeout(r, 500));
  }
  appendFileSync(${JSON.stringify(effects)}, 'train\\n');
  writeFileSync(join(ctx.outputDir, 'model.json'), '{"k":1}');
  return { metrics: { score: 1 }, artifacts: { model: 'model.json' } };
});
const serve = definePredictor('slow', (file) => { JSON.parse(readFileSync(file, 'utf8')); return (rows) => rows.map(() => 1); });
export default defineConfig({ steps: [train], predictors: [serve] });
`,
    'pipelines/slow.ts': `import { approval, command, definePipeline, step } from ${ferry};
export default definePipeline({
  name: 'slow',
  build: [command('build', 'echo build >> ${effects}')],
  train: step('train', 'slow.train', {}, { heartbeat: '2s' }),
  deploy: [{ env: 'production', approval: approval() }],
});
`,
  });
  symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(repo, 'node_modules'));
  const env = { FERRY_HOME: home, TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_TOKEN: '' };
  const lines = () => (existsSync(effects) ? readFileSync(effects, 'utf8').trim().split('\n') : []);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('survives SIGKILL in training, in the approval wait and after the approval', async () => {
    let dev = await startFerry(['dev'], /Ctrl-C/, { cwd: repo, env });
    const t0 = Date.now();
    const mark = (what: string) => process.stderr.write(`[crash-stages] ${((Date.now() - t0) / 1000).toFixed(1)}s ${what}\n`);
    const restart = async () => {
      mark('kill');
      dev.child.kill('SIGKILL');
      await waitFor(async () => ((await processesMentioning(home)).length === 0 ? true : undefined), 15_000, 'nothing left after SIGKILL');
      dev = await startFerry(['dev'], /Ctrl-C/, { cwd: repo, env });
      mark('restarted');
    };
    try {
      const ferryAs = (token: string, ...args: string[]) => runFerry(args, { cwd: repo, env: { ...env, FERRY_TOKEN: token } });
      const root = (await ferryAs('', 'users', 'add', 'root')).stdout.trim();
      const author = (await ferryAs(root, 'users', 'add', 'author', '--role', 'engineer')).stdout.trim();
      const approver = (await ferryAs(root, 'users', 'add', 'approver', '--role', 'approver')).stdout.trim();
      const started = await ferryAs(author, 'run', 'pipelines/slow.ts', '--format', 'json');
      expect(started.code, started.stderr).toBe(0);
      const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
      const status = async () => JSON.parse((await ferryAs(author, 'status', workflowId, '--format', 'json')).stdout) as { run: { status: string; stage: string } };

      // 1. In training: build has run, train is sleeping.
      await waitFor(async () => ((await status()).run.stage === 'train' ? true : undefined), 60_000, 'training');
      await new Promise((r) => setTimeout(r, 1500));
      await restart();
      // 2. Waiting for the approval.
      await waitFor(async () => ((await status()).run.status === 'waiting' ? true : undefined), 90_000, 'the approval wait');
      await restart();
      const approved = await ferryAs(approver, 'approve', workflowId);
      expect(approved.code, approved.stderr).toBe(0);
      // 3. Right after the approval, while it deploys.
      await restart();
      const done = await waitFor(async () => {
        const s = await status();
        return ['running', 'waiting'].includes(s.run.status) ? undefined : s;
      }, 90_000, 'the run to finish');
      expect(done.run.status).toBe('succeeded');
      expect(lines()).toEqual(['build', 'train']);
      const serving = JSON.parse((await ferryAs(author, 'model', 'slow@production', '--format', 'json')).stdout) as { version: number };
      expect(serving.version).toBe(1);
    } finally {
      dev.child.kill('SIGINT');
      await new Promise((r) => dev.child.once('exit', r));
    }
    expect(await processesMentioning(home)).toEqual([]);
  }, 300_000);
});
