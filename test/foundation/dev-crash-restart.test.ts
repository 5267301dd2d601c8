import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../helpers/git.js';
import { processesMentioning, runFerry, startFerry, waitFor } from '../helpers/cli.js';

const ferrySrc = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

// `ferry dev` as a user runs it: real processes, the persistent embedded stack under FERRY_HOME, SIGKILL mid-run.
describe('ferry dev survives a crash', () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-dev-home-'));
  // Outside FERRY_HOME: a command step's sandbox covers FERRY_HOME's entries (activities/step-sandbox.ts).
  const effects = `${home}-effects.txt`;
  const repo = makeRepo({
    'package.json': '{ "type": "module" }\n',
    'pipelines/slow.ts': `import { command, definePipeline } from ${JSON.stringify(ferrySrc)};
export default definePipeline({
  name: 'slow',
  build: [
    command('first', 'echo first >> ${effects}'),
    // 10 s: a killed worker's attempt is noticed quickly, while a busy machine's live attempt still beats in time
    // (with 3 s, a heartbeat late under load timed the live attempt out and long ran twice).
    command('long', 'sleep 4 && echo long >> ${effects}', { heartbeat: '10s' }),
    command('last', 'echo last >> ${effects}'),
  ],
});
`,
  });
  const env = { FERRY_HOME: home, TEMPORAL_ADDRESS: '', DATABASE_URL: '' };
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(effects, { force: true });
  });

  it('lists runs from another process, resumes an in-flight run after SIGKILL, and repeats no finished step', async () => {
    let dev = await startFerry(['dev'], /Ctrl-C/, { cwd: repo, env });
    try {
      const started = await runFerry(['run', 'pipelines/slow.ts', '--format', 'json'], { cwd: repo, env });
      expect(started.code, started.stderr).toBe(0);
      const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };

      const listed = await runFerry(['status'], { cwd: repo, env });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(workflowId);

      // Kill while `long` runs: `first` has finished, `long` has not.
      await waitFor(() => (existsSync(effects) && readFileSync(effects, 'utf8').includes('first') ? true : undefined), 60_000, 'the first step');
      await new Promise((r) => setTimeout(r, 1500));
      dev.child.kill('SIGKILL');
      await waitFor(async () => ((await processesMentioning(home)).length === 0 ? true : undefined), 15_000, 'no process left after SIGKILL');

      dev = await startFerry(['dev'], /Ctrl-C/, { cwd: repo, env });
      const done = await waitFor(async () => {
        const status = await runFerry(['status', workflowId, '--format', 'json'], { cwd: repo, env });
        const parsed = JSON.parse(status.stdout) as { run: { status: string } };
        return parsed.run.status === 'running' ? undefined : parsed;
      }, 90_000, 'the run to finish');
      expect(done.run.status).toBe('succeeded');
      expect(readFileSync(effects, 'utf8').trim().split('\n')).toEqual(['first', 'long', 'last']);
    } finally {
      dev.child.kill('SIGINT');
      await new Promise((r) => dev.child.once('exit', r));
    }
    expect(await processesMentioning(home)).toEqual([]);
    // Two `ferry dev` start-ups, a SIGKILL and a resumed run: under a loaded CI machine this passed 120 s (headroom, not a speed bound).
  }, 360_000);
});
