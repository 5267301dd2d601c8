import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LoadedPipeline } from './dsl/load.js';
import { workspacePathProblem } from './core/spec.js';
import { UsageError } from './core/errors.js';

export type InsideResult = { ok: true; path: string } | { ok: false; problem: string };

const within = (root: string, path: string) => path === root || path.startsWith(root + sep);

/**
 * Resolves `path` (relative, from a pipeline) under `root` the way the file system will, symbolic links included, and
 * says whether it stays inside. Parts that do not exist yet are taken as written (they will be created inside);
 * the deepest part that does exist is resolved with realpath, so `out -> /victim` in `out/model` is caught.
 * @example resolveInside(workspace, 'data/train.csv') // { ok: true, path: '/…/workspace/data/train.csv' }
 */
export function resolveInside(root: string, path: string, what = 'the workspace'): InsideResult {
  const lexical = workspacePathProblem(path);
  if (lexical) return { ok: false, problem: lexical.replace('the workspace', what) };
  const realRoot = realpathSync(root);
  let existing = resolve(realRoot, path);
  const missing: string[] = [];
  for (;;) {
    const stat = lstatSync(existing, { throwIfNoEntry: false });
    if (stat) {
      if (stat.isSymbolicLink()) {
        // realpath of a dangling link fails: judge where the link points instead.
        let target: string;
        try {
          target = realpathSync(existing);
        } catch {
          target = resolve(dirname(existing), readlinkSync(existing));
        }
        existing = target;
      } else existing = realpathSync(existing);
      break;
    }
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  const resolved = join(existing, ...missing);
  if (!within(realRoot, existing) || !within(realRoot, resolved)) {
    const shown = isAbsolute(resolved) && !within(realRoot, resolved) ? resolved : relative(realRoot, resolved);
    return { ok: false, problem: `${JSON.stringify(path)} resolves outside ${what} (to ${shown}) through a symbolic link` };
  }
  return { ok: true, path: resolved };
}

/**
 * Submission check against the repository on disk: dataset paths and command-step outputs that a symbolic link in the
 * working tree takes outside it are a `UsageError` (exit 2) naming the file and field. The activities check the
 * checkout again, at the commit the run integrates.
 */
export function assertPathsInside(loaded: LoadedPipeline, cwd: string): void {
  if (loaded.spec.repo.url) return; // a remote repository: the activities check the commit each worker checks out
  const repo = resolve(cwd, loaded.spec.repo.path);
  let realRepo: string;
  try {
    realRepo = realpathSync(repo);
  } catch {
    return; // no repository on disk here (submitted for another machine): the activities check the checkout
  }
  const steps = [...loaded.spec.build.map((s, i) => ({ s, at: `build[${i}]` })), { s: loaded.spec.train, at: 'train' }, { s: loaded.spec.evaluate?.step, at: 'evaluate.step' }];
  const fields = [
    ...loaded.spec.datasets.map((d, i) => ({ field: `datasets[${i}].path`, path: d.path })),
    ...steps.flatMap(({ s, at }) => (s?.kind === 'command' && s.outputs ? [{ field: `${at}.outputs`, path: s.outputs }] : [])),
  ];
  for (const { field, path } of fields) {
    const result = resolveInside(realRepo, path, 'the repository');
    if (!result.ok) throw new UsageError(`${loaded.file}: ${field}: ${result.problem}; commit the file itself, not a link to it`);
  }
}
