import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { sha256File } from '../src/artifacts/store.js';
import { fingerprintEnvironment } from '../src/environment.js';
import { ensureWorktree, isDirty, resolveCommit } from '../src/git.js';
import type { PipelineSpec } from '../src/core/spec.js';
import { resolveInside } from '../src/workspace-paths.js';
import type { ActivityDeps } from './deps.js';

export interface IntegrateResult {
  repo: string;
  commit: string;
  dirty: boolean;
  workspace: string;
  datasets: { name: string; path: string; sha256: string; bytes: number }[];
  /** Runtime versions, OS and lockfile hashes of the checkout. */
  environment: Record<string, unknown>;
}

/** Where a run's checkout lives: one worktree per workflow id, so retries and other steps reuse it. */
export function workspacePath(home: string, workflowId: string): string {
  return join(home, 'workspaces', workflowId);
}

export function createIntegrateActivities({ home, cwd }: ActivityDeps) {
  return {
    /** Resolves the ref to a commit with real git, refuses a dirty tree unless allowed, checks out and hashes datasets. */
    async integrate(input: { workflowId: string; repo: PipelineSpec['repo']; ref?: string; datasets: PipelineSpec['datasets'] }): Promise<IntegrateResult> {
      const repo = resolve(cwd, input.repo.path);
      const ref = input.ref ?? input.repo.ref;
      const commit = await resolveCommit(repo, ref).catch((err: Error) => {
        throw ApplicationFailure.nonRetryable(`integrate: ${err.message}; pass --ref with a branch, tag or commit of ${repo}`, 'IntegrateError');
      });
      const dirty = await isDirty(repo);
      if (dirty && !input.repo.allowDirty) {
        throw ApplicationFailure.nonRetryable(
          `integrate: ${repo} has uncommitted changes to tracked files; commit them (the run records a commit) or set repo.allowDirty: true`,
          'IntegrateError',
        );
      }
      const workspace = workspacePath(home, input.workflowId);
      await ensureWorktree(repo, workspace, commit);
      const datasets = [];
      for (const [i, dataset] of input.datasets.entries()) {
        // Checked in the checkout itself: a committed symlink may lead anywhere, and a run started straight in Temporal
        // has not been through submission.
        const inside = resolveInside(workspace, dataset.path);
        if (!inside.ok) throw ApplicationFailure.nonRetryable(`integrate: datasets[${i}].path: ${inside.problem}; commit the file itself inside the repository`, 'IntegrateError');
        const path = inside.path;
        if (!existsSync(path)) {
          throw ApplicationFailure.nonRetryable(`integrate: dataset "${dataset.name}" (${dataset.path}) is not in commit ${commit.slice(0, 12)}; commit it or fix datasets[].path`, 'IntegrateError');
        }
        datasets.push({ name: dataset.name, path: dataset.path, sha256: await sha256File(path), bytes: statSync(path).size });
      }
      return { repo, commit, dirty, workspace, datasets, environment: await fingerprintEnvironment(workspace) };
    },
  };
}
