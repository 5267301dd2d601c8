/**
 * A push webhook reads the pipelines of the pushed commit (issue 20, build 2), not its own working tree: the commit is
 * fetched from the clone's origin when it is not there yet and checked out once, inside the git directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pushedProjectDir } from '../../src/triggers/pushed-commit.js';

const root = mkdtempSync(join(tmpdir(), 'ferry-pushed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@ferry.invalid', ...args], { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

describe('the pushed commit, for a push webhook', () => {
  const remote = join(root, 'remote.git');
  const dev = join(root, 'dev');
  const hook = join(root, 'hook');
  const commit = (message: string, content: string) => {
    writeFileSync(join(dev, 'project', 'pipeline.txt'), content);
    git(dev, 'add', '-A');
    git(dev, 'commit', '-q', '-m', message);
    git(dev, 'push', '-q', 'origin', 'HEAD:main');
    return git(dev, 'rev-parse', 'HEAD');
  };

  it('fetches a commit its clone lacks, checks it out once inside .git, and leaves the clone clean', async () => {
    git(root, 'init', '-q', '--bare', '-b', 'main', remote);
    git(root, 'clone', '-q', remote, dev);
    execFileSync('mkdir', ['-p', join(dev, 'project')]);
    const first = commit('first', 'trees: 30\n');
    git(root, 'clone', '-q', remote, hook);
    const second = commit('second', 'trees: 20\n');

    // The hook's clone is still at the first commit; the project is a subdirectory of it.
    expect(readFileSync(join(hook, 'project', 'pipeline.txt'), 'utf8')).toBe('trees: 30\n');
    const dir = (await pushedProjectDir(join(hook, 'project'), second, 'main'))!;
    expect(dir).toBe(join(hook, '.git', 'ferry-pushed', second, 'project'));
    expect(readFileSync(join(dir, 'pipeline.txt'), 'utf8')).toBe('trees: 20\n');
    expect(git(hook, 'status', '--porcelain')).toBe('');
    expect(git(hook, 'rev-parse', 'HEAD')).toBe(first);
    // Again: the same tree, no second checkout.
    expect(await pushedProjectDir(join(hook, 'project'), second, 'main')).toBe(dir);
    expect(git(hook, 'worktree', 'list').split('\n')).toHaveLength(2);
  });

  it('refuses a commit the origin does not have, naming it and the origin', async () => {
    const missing = 'f'.repeat(40);
    await expect(pushedProjectDir(hook, missing, 'main')).rejects.toThrow(`push: commit ${missing} is not in ${remote} (fetched it and main); deliver the hook for a commit that was pushed there`);
  });

  it('reads a directory that is not a git work tree as it is', async () => {
    expect(await pushedProjectDir(mkdtempSync(join(root, 'plain-')), 'a'.repeat(40), 'main')).toBeUndefined();
  });
});
