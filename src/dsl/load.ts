import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/**
 * The one line to add when `file` sits in a package whose package.json lacks `"type": "module"`: Ferry's files
 * (pipelines, ferry.config.ts, policies) are ES modules, and tsx loads a `.ts` file of such a package as CommonJS,
 * which cannot import Ferry. Undefined when the nearest package.json says module (or there is none).
 */
export function moduleTypeProblem(file: string): string | undefined {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
      } catch {
        return undefined;
      }
      return type === 'module' ? undefined : `${manifest} has ${type === undefined ? 'no "type"' : `"type": ${JSON.stringify(type)}`}; add "type": "module" to it (Ferry's pipelines and ferry.config.ts are ES modules)`;
    }
    if (dir === dirname(dir)) return undefined;
  }
}

/** Imports a TypeScript or JavaScript module of the project, refusing one that would load as CommonJS by name. */
export async function importProjectModule(absolute: string, shown: string): Promise<unknown> {
  const problem = /\.[cm][tj]s$/.test(absolute) ? undefined : moduleTypeProblem(absolute);
  if (problem) throw new UsageError(`${shown}: cannot be loaded: ${problem}`);
  return import(pathToFileURL(absolute).href);
}

/** Imports a pipeline file (TypeScript or JavaScript) and validates its default export. */
export async function loadPipelineFile(path: string, cwd = process.cwd()): Promise<LoadedPipeline> {
  const absolute = resolve(cwd, path);
  const shown = relative(cwd, absolute) || path;
  if (!existsSync(absolute)) throw new UsageError(`${shown}: no such file; pass the path of a pipeline definition, e.g. pipelines/hello.ts`);
  let mod: { default?: unknown };
  try {
    mod = (await importProjectModule(absolute, shown)) as { default?: unknown };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const message = (err as Error).message.split('\n')[0];
    throw new UsageError(`${shown}: cannot be loaded: ${message}`, { cause: err });
  }
  if (mod.default === undefined) {
    throw new UsageError(`${shown}: has no default export; end it with "export default definePipeline({ ... })"`);
  }
  return parsePipeline(mod.default, shown);
}
