import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { FerryError } from '../core/errors.js';
import { isCommitSha } from '../core/repo-spec.js';
import { ensureWorktree } from '../git.js';
import { hasCommit, remoteGit } from '../git-remote.js';

const quiet = (cwd: string, ...args: string[]) => remoteGit(cwd, ...args).then(
  () => true,
  () => false,
);

/**
 * The project directory as of the pushed commit, so a push webhook loads the pipeline definitions that were pushed, not
 * whatever its own working tree holds. The commit is fetched from the clone's `origin` when it is not there yet, and
 * checked out (detached, once per commit) into a worktree inside the clone's git directory: `node_modules` above it
 * still resolves, and `git status` of the clone stays clean. Undefined when `projectDir` is not in a git work tree
 * (then the webhook reads its directory as it is).
 */
export async function pushedProjectDir(projectDir: string, commit: string, branch: string): Promise<string | undefined> {
  const dir = resolve(projectDir);
  let top: string;
  let gitDir: string;
  try {
    const [shownTop, commonDir] = (await remoteGit(dir, 'rev-parse', '--show-toplevel', '--git-common-dir')).split('\n');
    top = shownTop!;
    gitDir = resolve(dir, commonDir!);
  } catch {
    return undefined;
  }
  if (!isCommitSha(commit)) throw new FerryError(`push: after ${JSON.stringify(commit)} is not a full commit SHA`);
  if (!(await hasCommit(top, commit))) {
    // By SHA first (what most servers allow), else the pushed branch, which holds it.
    if (!(await quiet(top, 'fetch', '--quiet', 'origin', commit))) await quiet(top, 'fetch', '--quiet', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
    if (!(await hasCommit(top, commit))) {
      const origin = await remoteGit(top, 'remote', 'get-url', 'origin').catch(() => '(no origin)');
      throw new FerryError(`push: commit ${commit} is not in ${origin} (fetched it and ${branch}); deliver the hook for a commit that was pushed there`);
    }
  }
  const tree = join(gitDir, 'ferry-pushed', commit);
  mkdirSync(join(gitDir, 'ferry-pushed'), { recursive: true });
  // Two deliveries of one commit may race here: the second add fails and finds the first one's tree.
  await ensureWorktree(top, tree, commit).catch(() => {
    if (!existsSync(tree)) throw new FerryError(`push: could not check out ${commit} into ${tree}`);
  });
  return join(tree, relative(top, dir));
}
