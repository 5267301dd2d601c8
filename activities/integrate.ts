import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { Failure, FerryFailure } from '../src/core/failures.js';
import { fingerprintEnvironment } from '../src/environment.js';
import { headStatus, isDirty, resolveCommit } from '../src/git.js';
import { checkoutCommit, ensureMirrorCommit, MissingCommitError, resolveRemoteRef } from '../src/git-remote.js';
import { isCommitSha } from '../src/core/repo-spec.js';
import type { PipelineSpec } from '../src/core/spec.js';
import { resolveInside } from '../src/workspace-paths.js';
import type { ActivityDeps } from './deps.js';
import { createRunActivities, type RunProgress } from './runs.js';

export interface IntegrateResult {
  repo: string;
  commit: string;
  dirty: boolean;
  workspace: string;
  /** Each dataset as committed, and where the artifact store holds it (absent in histories recorded before it was stored). */
  datasets: { name: string; path: string; sha256: string; bytes: number; uri?: string }[];
  /** Runtime versions, OS and lockfile hashes of the checkout. */
  environment: Record<string, unknown>;
}

/** Where a run's checkout lives: one worktree per workflow id, so retries and other steps reuse it. */
export function workspacePath(home: string, workflowId: string): string {
  return join(home, 'workspaces', workflowId);
}

/** A local repository (`ferry dev`): the ref resolves in it, and uncommitted changes are refused unless allowed. */
async function fromLocal(repo: string, ref: string, allowDirty: boolean): Promise<{ repo: string; commit: string; dirty: boolean }> {
  const unresolved = (err: Error) => {
    throw new FerryFailure(Failure.IntegrateError, `integrate: ${err.message}; pass --ref with a branch, tag or commit of ${repo}`);
  };
  // The default ref, HEAD: its commit and the dirty check from one git spawn.
  const { commit, dirty } = ref === 'HEAD' ? await headStatus(repo).catch(unresolved) : { commit: await resolveCommit(repo, ref).catch(unresolved), dirty: await isDirty(repo) };
  if (dirty && !allowDirty) {
    throw new FerryFailure(Failure.IntegrateError, `integrate: ${repo} has uncommitted changes to tracked files; commit them (the run records a commit) or set repo.allowDirty: true`);
  }
  return { repo, commit, dirty };
}

/**
 * A remote repository: a run submitted with Ferry arrives with its commit pinned; a ref that is not a SHA (a schedule's
 * tick, a start made straight in Temporal) is resolved against the remote now. Either way the worker fetches the
 * commit into its own mirror when it lacks it. A commit the remote does not have is not retried.
 */
async function fromRemote(home: string, url: string, ref: string): Promise<{ repo: string; commit: string; dirty: boolean }> {
  const commit = isCommitSha(ref) ? ref : await resolveRemoteRef(url, ref);
  // A first fetch of a large repository takes a while: keep the activity's heartbeat going meanwhile.
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(), 5_000);
  try {
    await ensureMirrorCommit(home, url, commit, (line) => ctx.heartbeat(line));
  } catch (err) {
    if (err instanceof MissingCommitError) throw new FerryFailure(Failure.IntegrateError, `integrate: ${err.message}`);
    throw err;
  } finally {
    clearInterval(beat);
  }
  return { repo: url, commit, dirty: false };
}

export function createIntegrateActivities(deps: ActivityDeps) {
  const { home, cwd, store } = deps;
  const { recordRunProgress } = createRunActivities(deps);
  return {
    /**
     * Resolves the ref to a commit with real git, refuses a dirty tree unless allowed, checks out the commit and stores
     * its datasets by content (a version's default drift reference is one of them, read later by any worker).
     */
    async integrate(input: { workflowId: string; repo: PipelineSpec['repo']; ref?: string; datasets: PipelineSpec['datasets']; progress?: RunProgress }): Promise<IntegrateResult> {
      // A `compact-history` run's integrate stage is recorded here, not by a local activity of its own.
      if (input.progress) await recordRunProgress(input.progress);
      const ref = input.ref ?? input.repo.ref;
      const workspace = workspacePath(home, input.workflowId);
      const { repo, commit, dirty } = input.repo.url ? await fromRemote(home, input.repo.url, ref) : await fromLocal(resolve(cwd, input.repo.path), ref, input.repo.allowDirty);
      await checkoutCommit(home, repo, workspace, commit);
      const datasets = [];
      for (const [i, dataset] of input.datasets.entries()) {
        // Checked in the checkout itself: a committed symlink may lead anywhere, and a run started straight in Temporal
        // has not been through submission.
        const inside = resolveInside(workspace, dataset.path);
        if (!inside.ok) throw new FerryFailure(Failure.IntegrateError, `integrate: datasets[${i}].path: ${inside.problem}; commit the file itself inside the repository`);
        const path = inside.path;
        if (!existsSync(path)) {
          throw new FerryFailure(Failure.IntegrateError, `integrate: dataset "${dataset.name}" (${dataset.path}) is not in commit ${commit.slice(0, 12)}; commit it or fix datasets[].path`);
        }
        const stored = await store.put(path);
        datasets.push({ name: dataset.name, path: dataset.path, sha256: stored.sha256, bytes: stored.size, uri: stored.uri });
      }
      return { repo, commit, dirty, workspace, datasets, environment: await fingerprintEnvironment(workspace) };
    },
  };
}
