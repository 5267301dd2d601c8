import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FerryError } from './core/errors.js';
import { isCommitSha } from './core/repo-spec.js';
import { ensureWorktree, git } from './git.js';
import { withCacheLock } from './provision/tools.js';
import { inheritedEnv } from './settings.js';

const exec = promisify(execFile);

/**
 * Git against a remote never prompts: a missing credential fails at once with git's message instead of hanging a worker.
 * Credentials come from the machine's own git configuration (credential helper, SSH agent/keys), never from Ferry.
 */
export async function remoteGit(cwd: string | undefined, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...inheritedEnv(), GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: sshCommand() } });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const lines = (e.stderr ?? e.message).trim().split('\n').filter((l) => l.trim() !== '');
    const reason = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? e.message;
    throw new FerryError(`git ${args[0]} failed: ${reason.trim()}`, { cause: err });
  }
}

/** BatchMode: ssh fails instead of asking for a passphrase or a host-key confirmation on a worker nobody watches. */
function sshCommand(): string {
  return inheritedEnv().GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes';
}

/**
 * Resolves `ref` (a branch, a tag, `HEAD`, a `refs/…` name or a full commit SHA) against the remote with
 * `git ls-remote`, so a wrong URL or an unknown ref fails here, at submission. A full SHA is taken as given once the
 * remote answered (a remote does not list every commit); the worker's fetch checks it exists.
 */
export async function resolveRemoteRef(url: string, ref: string): Promise<string> {
  const listing = await remoteGit(undefined, 'ls-remote', '--', url);
  if (isCommitSha(ref)) return ref;
  const refs = new Map(
    listing
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [sha, name] = line.split('\t');
        return [name!, sha!] as const;
      }),
  );
  // git's own order for a short name: the ref itself, then tags, then branches; an annotated tag's peeled commit wins.
  const candidates = ref === 'HEAD' || ref.startsWith('refs/') ? [ref] : [`refs/tags/${ref}`, `refs/heads/${ref}`];
  for (const name of candidates) {
    const sha = refs.get(`${name}^{}`) ?? refs.get(name);
    if (sha) return sha;
  }
  throw new FerryError(`no branch or tag "${ref}" in ${url}; use a branch, a tag or a full commit SHA`);
}

/** The remote answered but does not have the commit: retrying will not help. */
export class MissingCommitError extends FerryError {
  override name = 'MissingCommitError';
}

/** Where a worker keeps its bare mirror of `url`: under its own FERRY_HOME, keyed by a hash of the URL. */
export function mirrorPath(home: string, url: string): string {
  return join(home, 'git', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
}

/** Whether the repository (a mirror or a clone) at `repo` holds commit `sha`. */
export async function hasCommit(repo: string, sha: string): Promise<boolean> {
  return git(repo, 'cat-file', '-e', `${sha}^{commit}`).then(
    () => true,
    () => false,
  );
}

// Fetches of one process into one mirror run one at a time; other processes sharing a FERRY_HOME wait on the lock.
const queues = new Map<string, Promise<unknown>>();

/**
 * Makes sure the worker's mirror of `url` holds commit `sha`, fetching it when missing: `git fetch origin <sha>`
 * first (file://, GitHub and servers with `uploadpack.allowReachableSHA1InWant` serve it), else every branch and tag.
 * Each fetched commit gets a ref (`refs/ferry/commits/<sha>`) so `git gc` never prunes a commit a run pinned.
 * @returns whether a fetch was needed.
 */
export async function ensureMirrorCommit(home: string, url: string, sha: string, onProgress: (line: string) => void = () => undefined): Promise<boolean> {
  const mirror = mirrorPath(home, url);
  const previous = queues.get(mirror) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() =>
    withCacheLock(mirror, `the git mirror of ${url}`, onProgress, async () => {
      if (!existsSync(join(mirror, 'HEAD'))) {
        mkdirSync(mirror, { recursive: true });
        await git(mirror, 'init', '--quiet', '--bare');
        await git(mirror, 'remote', 'add', 'origin', url);
      }
      if (await hasCommit(mirror, sha)) return false;
      onProgress(`Fetching ${sha.slice(0, 12)} from ${url}`);
      try {
        await remoteGit(mirror, 'fetch', '--quiet', 'origin', `${sha}:refs/ferry/commits/${sha}`);
      } catch (err) {
        // A server that refuses a want by SHA: take its branches and tags and look again.
        await remoteGit(mirror, 'fetch', '--quiet', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*');
        if (!(await hasCommit(mirror, sha))) throw new MissingCommitError(`commit ${sha} is not in ${url} (${(err as Error).message})`, { cause: err });
        await git(mirror, 'update-ref', `refs/ferry/commits/${sha}`, sha);
      }
      return true;
    }),
  );
  queues.set(mirror, next);
  try {
    return await next;
  } finally {
    if (queues.get(mirror) === next) queues.delete(mirror);
  }
}

/**
 * Checks out `commit` at `path` for a run: from the worker's own mirror when `repo` is a URL (fetching the commit if
 * this worker has not seen it), else from the local repository at `repo`.
 */
export async function checkoutCommit(home: string, repo: string, path: string, commit: string): Promise<void> {
  if (!isRepoUrl(repo)) return ensureWorktree(repo, path, commit);
  await ensureMirrorCommit(home, repo, commit);
  await ensureWorktree(mirrorPath(home, repo), path, commit);
}

/** Whether an integration's `repo` is a remote URL (recorded as given) rather than a path on the worker. */
export function isRepoUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s:]+:/.test(repo);
}
