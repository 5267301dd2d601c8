import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { firstIssue, joinPath } from '../dsl/issues.js';
import type { PipelineSpec } from '../core/spec.js';
import { FerryError, UsageError } from '../core/errors.js';
import { checkPolicies, formatViolation } from './check.js';
import { policySchema, type Policy, type PolicyContext } from './types.js';

export interface LoadedPolicy extends Policy {
  /** The file it came from, relative to cwd. */
  file: string;
}

/** The policy files of a project: `policies/*.ts` (and `.js`/`.mjs`), in name order; tests and declarations skipped. */
export function policyFiles(cwd: string): string[] {
  const dir = resolve(cwd, 'policies');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.(test|spec)\.[a-z]+$/.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Imports every `policies/*.ts` under `cwd`; each default export must be a policy or a list of policies made with
 * `definePolicy` (or a built-in). A bad file or two policies with one name is a `UsageError` naming the file.
 */
export async function loadPolicies(cwd = process.cwd()): Promise<LoadedPolicy[]> {
  const loaded: LoadedPolicy[] = [];
  for (const path of policyFiles(cwd)) {
    const file = relative(cwd, path);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (err) {
      throw new UsageError(`${file}: cannot be loaded: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    if (mod.default === undefined) throw new UsageError(`${file}: has no default export; end it with "export default definePolicy({ ... })"`);
    const items = Array.isArray(mod.default) ? mod.default : [mod.default];
    items.forEach((item, i) => {
      const parsed = policySchema.safeParse(item);
      if (!parsed.success) {
        const issue = firstIssue(parsed.error, item);
        const where = joinPath(Array.isArray(mod.default) ? `[${i}]` : '', issue.path);
        throw new UsageError(`${file}: default export${where ? ` ${where}` : ''}: ${issue.message}; export definePolicy({ name, description, check }) or a list of them`);
      }
      const clash = loaded.find((p) => p.name === parsed.data.name);
      if (clash) throw new UsageError(`${file}: policy "${parsed.data.name}" is also defined in ${clash.file}; give each policy its own name`);
      loaded.push({ ...(item as Policy), file });
    });
  }
  return loaded;
}

/**
 * Loads the project's policies and checks a spec against them; throws a `FerryError` (exit 1) naming the first
 * violated policy, with every violation in `details.violations`. Call it before starting a run and before promoting.
 * @example await assertPolicies(loaded.spec, loaded.file, process.cwd())
 * @example await assertPolicies(spec, file, cwd, { phase: 'promote', env: 'production', author, approvals })
 */
export async function assertPolicies(spec: PipelineSpec, file: string, cwd = process.cwd(), ctx: PolicyContext = { phase: 'submit' }): Promise<void> {
  const policies = await loadPolicies(cwd);
  const report = checkPolicies(policies, spec, ctx);
  if (report.ok) return;
  const lines = report.violations.map((v) => formatViolation(file, v));
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more; run 'ferry policy check ${file}')` : '';
  throw new FerryError(`${lines[0]}${more}`, {
    exitCode: 1,
    details: { file, phase: ctx.phase, env: ctx.env, policy: report.violations[0]!.policy, violations: report.violations },
  });
}
