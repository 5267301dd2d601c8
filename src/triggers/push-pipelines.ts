import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPipelineFile, type LoadedPipeline } from '../dsl/load.js';
import { matchesAnyBranch } from './branch-glob.js';

export interface PushPipelines {
  /** Pipelines whose `on.push.branches` match the branch. */
  matched: LoadedPipeline[];
  /** Pipeline files that failed to load: reported, and they do not stop the others. */
  errors: { file: string; message: string }[];
}

/** The pipeline files of a project: `pipelines/*.ts` (and `.js`/`.mjs`) at the top level, in name order. */
export function pipelineFiles(projectDir: string): string[] {
  const dir = resolve(projectDir, 'pipelines');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name) && !/\.(test|spec)\.[a-z]+$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join('pipelines', e.name))
    .sort();
}

/**
 * Loads the project's pipelines and keeps those listening to pushes on `branch`. Files are imported once per process
 * (ES module cache): restart `ferry webhook` after editing a pipeline.
 */
export async function findPushPipelines(projectDir: string, branch: string): Promise<PushPipelines> {
  return findPipelines(projectDir, (loaded) => {
    const branches = loaded.spec.on.push?.branches;
    return !!branches && matchesAnyBranch(branches, branch);
  });
}

/** Loads the project's pipelines and keeps those `listens` accepts (a trigger's match). */
export async function findPipelines(projectDir: string, listens: (loaded: LoadedPipeline) => boolean): Promise<PushPipelines> {
  const result: PushPipelines = { matched: [], errors: [] };
  for (const file of pipelineFiles(projectDir)) {
    try {
      const loaded = await loadPipelineFile(file, projectDir);
      if (listens(loaded)) result.matched.push(loaded);
    } catch (err) {
      result.errors.push({ file, message: (err as Error).message });
    }
  }
  return result;
}
