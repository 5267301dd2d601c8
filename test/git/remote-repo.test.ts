import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { command, definePipeline } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { mirrorPath } from '../../src/git-remote.js';
import { startRun } from '../../src/runs/start.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

const sh = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString().trim();

/** Commits `version.txt` = `version` in the author's clone and pushes it to the bare remote; returns the commit. */
function push(clone: string, version: string): string {
  writeFileSync(join(clone, 'version.txt'), `${version}\n`);
  sh(clone, 'commit', '-q', '-am', version);
  sh(clone, 'push', '-q', 'origin', 'main');
  return sh(clone, 'rev-parse', 'HEAD');
}

const hasCommit = (mirror: string, sha: string) => {
  try {
    sh(mirror, 'cat-file', '-e', `${sha}^{commit}`);
    return true;
  } catch {
    return false;
  }
};

describe.each(backends().slice(0, 1))('a pipeline whose repository is a remote URL ($name)', (backend) => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let clone: string;
  let url: string;
  const taskQueue = uniqueQueue('remote-git');
  // The worker's own FERRY_HOME and working directory: nothing shared with the author's clone or the remote.
  const home = mkdtempSync(join(tmpdir(), 'ferry-remote-home-'));
  const workerCwd = mkdtempSync(join(tmpdir(), 'ferry-remote-cwd-'));

  const pipeline = (repo: Record<string, unknown>) =>
    parsePipeline(
      definePipeline({
        name: 'remote-hello',
        repo: repo as never,
        datasets: [{ name: 'points', path: 'data/points.csv' }],
        build: [command('version', 'cat version.txt')],
      }),
      'pipelines/remote-hello.ts',
    );

  beforeAll(async () => {
    database = await backend.create();
    temporal = await testClient();
    const bare = join(mkdtempSync(join(tmpdir(), 'ferry-remote-')), 'models.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    url = pathToFileURL(bare).href;
    clone = makeRepo({ 'data/points.csv': 'x\n1\n', 'version.txt': 'v1\n' });
    sh(clone, 'remote', 'add', 'origin', url);
    sh(clone, 'push', '-q', 'origin', 'main');
  });
  afterAll(async () => {
    await temporal?.close();
    await database?.close();
  });

  it('pins the commit at submission, and a worker whose mirror lacks it fetches it and checks it out', async () => {
    const v2 = push(clone, 'v2');
    const loaded = pipeline({ url, ref: 'main' });
    // Submitted before any worker runs: the SHA of main now goes into the run's input.
    const first = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
    const v3 = push(clone, 'v3'); // pushed after submission: the run above must not see it
    const mirror = mirrorPath(home, url);
    expect(hasCommit(mirror, v2)).toBe(false);

    const worker = await startTestWorker({ db: database.db, taskQueue, home, cwd: workerCwd });
    try {
      const result = await first.result();
      expect(result.state).toBe('succeeded');
      expect(result.commit).toBe(v2);
      expect(hasCommit(mirror, v2)).toBe(true);
      expect(hasCommit(mirror, v3)).toBe(false);
      expect(readFileSync(join(home, 'workspaces', first.workflowId, 'version.txt'), 'utf8')).toBe('v2\n');
      const history = await first.fetchHistory();
      const [input] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      expect(defaultPayloadConverter.fromPayload<{ ref?: string }>(input!).ref).toBe(v2);

      // The same worker, a later push: its mirror has v2 only and fetches v3 for the next run.
      const second = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' });
      const again = await second.result();
      expect(again.commit).toBe(v3);
      expect(hasCommit(mirror, v3)).toBe(true);
      expect(sh(mirror, 'for-each-ref', '--format=%(refname)', 'refs/ferry/commits').split('\n').sort()).toEqual([`refs/ferry/commits/${v2}`, `refs/ferry/commits/${v3}`].sort());
    } finally {
      await worker.stop();
    }
  });

  it('refuses a repository URL that is wrong at submission, in one line naming the URL', async () => {
    const wrong = `${url.replace(/models\.git$/, '')}no-such-repo.git`;
    const attempt = startRun(temporal.client, pipeline({ url: wrong }), { taskQueue, trigger: 'test' });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    const message = ((await attempt.catch((err: unknown) => err)) as Error).message;
    expect(message).toContain(`pipelines/remote-hello.ts: repo.url ${wrong}: git ls-remote failed:`);
    expect(message).not.toContain('\n');
    // An unknown branch names the ref instead.
    await expect(startRun(temporal.client, pipeline({ url, ref: 'nope' }), { taskQueue, trigger: 'test' })).rejects.toThrow(`repo.ref nope: no branch or tag "nope" in ${url}`);
  });

  it('refuses credentials embedded in the URL when the pipeline is validated, without echoing them', () => {
    const attempt = () => pipeline({ url: 'https://alex:s3cret@git.example.com/team/models.git' });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/^pipelines\/remote-hello\.ts: repo\.url: the URL embeds credentials; .*credential helper or SSH keys\)$/);
    expect(attempt).not.toThrow(/s3cret/);
    expect(() => pipeline({ url: 'https://ghp_token@github.com/team/models.git' })).toThrow(/repo\.url: the URL embeds credentials/);
    expect(() => pipeline({ url, path: 'elsewhere' })).toThrow(/repo\.path: set either url .* or path/);
    for (const fine of ['https://github.com/team/models.git', 'ssh://git@github.com/team/models.git', 'git@github.com:team/models.git', url]) {
      expect(pipeline({ url: fine }).spec.repo.url).toBe(fine);
    }
  });
});
