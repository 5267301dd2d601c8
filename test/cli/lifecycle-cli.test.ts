import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../helpers/git.js';
import { processesMentioning, runFerry, startFerry, waitFor } from '../helpers/cli.js';

const ferry = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));

// A project someone else wrote against the documented API, driven only through the `ferry` command line.
const files = {
  'package.json': '{ "type": "module" }\n',
  'data/points.csv': 'x,y\n0,1\n1,3\n2,5\n3,7\n',
  'ferry.config.ts': `import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineConfig, definePredictor, defineStep } from ${ferry};

const fit = defineStep('line.fit', z.object({ slope: z.number() }), async (ctx, { slope }) => {
  writeFileSync(join(ctx.outputDir, 'line.json'), JSON.stringify({ slope }));
  return { metrics: { r2: 0.99 }, artifacts: { model: 'line.json' } };
});
const line = definePredictor('line', (file) => {
  const { slope } = JSON.parse(readFileSync(file, 'utf8'));
  return (rows) => rows.map((r) => ({ y: slope * Number(r.x) }));
});
export default defineConfig({ steps: [fit], predictors: [line] });
`,
  'pipelines/line.ts': `import { approval, definePipeline, gate, step } from ${ferry};
export default definePipeline({
  name: 'line',
  owner: 'alice',
  datasets: [{ name: 'points', path: 'data/points.csv' }],
  params: { slope: 2 },
  train: step('fit', 'line.fit', {}),
  evaluate: { gates: [gate.min('r2', 0.9), gate.noRegression('r2', { tolerance: 0.05 })] },
  deploy: [{ env: 'production', approval: approval({ groups: ['leads'] }) }],
});
`,
};

describe('a new pipeline through the command line', () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-cli-home-'));
  const repo = makeRepo(files);
  // As after `npm install ferry zod` in that project.
  symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(repo, 'node_modules'));
  const env = { FERRY_HOME: home, TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_TOKEN: '' };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('runs with ferry run, waits for ferry approve, deploys, and rolls back with ferry rollback', async () => {
    const dev = await startFerry(['dev'], /Ctrl-C/, { cwd: repo, env });
    try {
      const ferryAs = (token: string, ...args: string[]) => runFerry(args, { cwd: repo, env: { ...env, FERRY_TOKEN: token } });
      const admin = await ferryAs('', 'users', 'add', 'root');
      expect(admin.code, admin.stderr).toBe(0);
      const rootToken = admin.stdout.trim();
      const alice = (await ferryAs(rootToken, 'users', 'add', 'alice', '--role', 'engineer')).stdout.trim();
      const bob = (await ferryAs(rootToken, 'users', 'add', 'bob', '--role', 'approver', '--group', 'leads')).stdout.trim();

      const release = async (slope: string) => {
        const started = await ferryAs(alice, 'run', 'pipelines/line.ts', '--param', `slope=${slope}`, '--format', 'json');
        expect(started.code, started.stderr).toBe(0);
        const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
        await waitFor(async () => ((await ferryAs(alice, 'approvals')).stdout.includes(workflowId) ? true : undefined), 180_000, 'the run to wait for approval').catch(async (err: Error) => {
          throw new Error(`${err.message}: ${(await ferryAs(alice, 'status', workflowId)).stdout}`);
        });
        const self = await ferryAs(alice, 'approve', workflowId);
        expect(self.code).toBe(1);
        expect(self.stderr).toMatch(/^ferry: refused: alice does not have the approver role/);
        const approved = await ferryAs(bob, 'approve', workflowId, '--comment', 'looks right');
        expect(approved.code, approved.stderr).toBe(0);
        const done = await waitFor(async () => {
          const status = JSON.parse((await ferryAs(alice, 'status', workflowId, '--format', 'json')).stdout) as { run: { status: string } };
          return status.run.status === 'running' || status.run.status === 'waiting' ? undefined : status;
        }, 60_000, 'the run to finish');
        expect(done.run.status).toBe('succeeded');
      };
      await release('2');
      await release('3');
      const serving = async () => JSON.parse((await ferryAs(alice, 'model', 'line@production', '--format', 'json')).stdout) as { version: number };
      expect((await serving()).version).toBe(2);

      const back = await ferryAs(bob, 'rollback', 'line', '--env', 'production', '--reason', 'slope 3 is wrong');
      expect(back.code, back.stderr).toBe(0);
      expect(back.stderr).toContain('line in production now serves v1 (was v2).');
      expect((await serving()).version).toBe(1);
      const verify = await ferryAs(alice, 'audit', 'verify');
      expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    } finally {
      dev.child.kill('SIGINT');
      await new Promise((r) => dev.child.once('exit', r));
    }
    expect(await processesMentioning(home)).toEqual([]);
    // A dozen CLI processes and two deploys: on two busy cores this takes minutes, not the default two.
  }, 360_000);
});
