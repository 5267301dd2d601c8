import { loadPipelineFile } from '../../dsl/load.js';
import { FerryError, UsageError } from '../../core/errors.js';
import { checkPolicies, formatViolation } from '../../policy/check.js';
import { loadPolicies } from '../../policy/load.js';
import { policyPhaseSchema } from '../../policy/types.js';
import { printJson, say } from '../output.js';

/**
 * `ferry policy check <pipeline-file>`: lints a definition against `policies/*.ts` without running it. Violations go
 * to stdout one per line; any violation exits 1, naming the first one.
 */
export async function policyCheck(file: string, opts: { format: string; phase?: string; env?: string; cwd?: string }): Promise<void> {
  const cwd = opts.cwd ?? process.cwd();
  const phase = policyPhaseSchema.safeParse(opts.phase ?? 'submit');
  if (!phase.success) throw new UsageError(`--phase ${opts.phase}: expected submit or promote`);
  const loaded = await loadPipelineFile(file, cwd);
  const policies = await loadPolicies(cwd);
  const report = checkPolicies(policies, loaded.spec, { phase: phase.data, env: opts.env });
  const lines = report.violations.map((v) => formatViolation(loaded.file, v));
  if (opts.format === 'json') printJson({ file: loaded.file, ...report });
  else if (policies.length === 0) say('No policies in policies/; nothing to check. Add one with definePolicy(...).');
  else if (report.ok) process.stdout.write(`${loaded.file}: complies with ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} (${report.checked.join(', ')})\n`);
  else for (const line of lines) process.stdout.write(`${line}\n`);
  if (!report.ok) {
    const more = lines.length > 1 ? ` (and ${lines.length - 1} more)` : '';
    throw new FerryError(`${lines[0]}${more}`, { details: { violations: report.violations } });
  }
}
