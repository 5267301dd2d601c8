import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { FerryError } from './core/errors.js';

const exec = promisify(execFile);

/** Runs git and returns trimmed stdout; a failure names the command and git's own message. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('git', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new FerryError(`git ${args.join(' ')} in ${cwd} failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`, { cause: err });
  }
}

/** Resolves a ref (branch, tag, `HEAD`, SHA) to a full commit SHA. */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  return git(repo, 'rev-parse', '--verify', `${ref}^{commit}`);
}

/**
 * HEAD's commit and whether tracked files differ from it, from one `git status` (what `resolveCommit(repo, 'HEAD')`
 * and `isDirty` tell with two spawns). A repository without a commit yet is an error, as `resolveCommit` makes it.
 */
export async function headStatus(repo: string): Promise<{ commit: string; dirty: boolean }> {
  const lines = (await git(repo, 'status', '--porcelain=v2', '--branch', '--untracked-files=no')).split('\n');
  const oid = lines.find((l) => l.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
  if (!oid || !/^[0-9a-f]{40,64}$/.test(oid)) throw new FerryError(`git status in ${repo}: HEAD has no commit yet; commit first`);
  return { commit: oid, dirty: lines.some((l) => l !== '' && !l.startsWith('#')) };
}

/**
 * The commit a detached worktree is at, read from its HEAD file (what `git rev-parse HEAD` prints, without a spawn);
 * undefined when it is not a plain detached worktree, and the caller asks git.
 */
function detachedHead(path: string): string | undefined {
  try {
    const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(join(path, '.git'), 'utf8'))?.[1];
    if (!gitdir) return undefined;
    const head = readFileSync(join(resolve(path, gitdir.trim()), 'HEAD'), 'utf8').trim();
    return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
  } catch {
    return undefined;
  }
}

/** Whether tracked files differ from HEAD (untracked files do not count: they cannot reach the commit). */
export async function isDirty(repo: string): Promise<boolean> {
  return (await git(repo, 'status', '--porcelain', '--untracked-files=no')).length > 0;
}

/** Ensures a detached worktree of `commit` at `path` (idempotent: an existing one at that commit is reused). */
export async function ensureWorktree(repo: string, path: string, commit: string): Promise<void> {
  if (existsSync(path)) {
    // Every step of a run checks its worktree: read HEAD rather than spawn git (a spawn costs the worker ~15 ms).
    const head = detachedHead(path) ?? (await git(path, 'rev-parse', 'HEAD').catch(() => ''));
    if (head === commit) return;
    await git(repo, 'worktree', 'remove', '--force', path).catch(() => undefined);
  }
  // Prune stale worktree records only when adding fails (a removed directory still registered): it costs a git call.
  await git(repo, 'worktree', 'add', '--detach', '--force', path, commit).catch(async () => {
    await git(repo, 'worktree', 'prune');
    await git(repo, 'worktree', 'add', '--detach', '--force', path, commit);
  });
}

/** Removes a worktree made by `ensureWorktree`; missing is fine. */
export async function removeWorktree(repo: string, path: string): Promise<void> {
  if (existsSync(path)) await git(repo, 'worktree', 'remove', '--force', path);
  await git(repo, 'worktree', 'prune');
}
