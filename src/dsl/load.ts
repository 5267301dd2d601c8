import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../core/errors.js';
import { canonicalHash } from './hash.js';
import { formatPath, issueMessage } from './issues.js';
import { pipelineSpecSchema, type PipelineSpec } from '../core/spec.js';

export interface LoadedPipeline {
  file: string;
  spec: PipelineSpec;
  /** sha256 of the spec's canonical JSON, recorded with every run. */
  specHash: string;
}

/** Validates a pipeline definition; an invalid one is a `UsageError` naming the file, the field and what was expected. */
export function parsePipeline(input: unknown, file: string): LoadedPipeline {
  const parsed = pipelineSpecSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${file}: ${formatPath(issue.path) || '(pipeline)'}: ${issueMessage(issue, input)}`);
    throw new UsageError(lines[0]!, { details: { file, issues: lines } });
  }
  return { file, spec: parsed.data, specHash: canonicalHash(parsed.data) };
}

/** Imports a pipeline file (TypeScript or JavaScript) and validates its default export. */
export async function loadPipelineFile(path: string, cwd = process.cwd()): Promise<LoadedPipeline> {
  const absolute = resolve(cwd, path);
  const shown = relative(cwd, absolute) || path;
  if (!existsSync(absolute)) throw new UsageError(`${shown}: no such file; pass the path of a pipeline definition, e.g. pipelines/hello.ts`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    throw new UsageError(`${shown}: cannot be loaded: ${message}`, { cause: err });
  }
  if (mod.default === undefined) {
    throw new UsageError(`${shown}: has no default export; end it with "export default definePipeline({ ... })"`);
  }
  return parsePipeline(mod.default, shown);
}
