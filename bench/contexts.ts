/**
 * `npm run bench:contexts [-- --contexts 200]`: what one cached workflow costs a worker's workflow thread before it runs
 * a line. Loads a bundle into Temporal's reusable V8 context (the worker's default executor), creates N workflow
 * contexts of one type as a worker caching N workflows does, and prints the heap each one adds (after a full GC) and
 * how many modules it evaluates for itself. Bundles, built in the same run:
 *   - ferry: the workers' bundle (`workflowBundlerOptions`: zod shared through `workflows/preload.ts`);
 *   - ferry, no preload: the same code with nothing shared, as every workflow context evaluated zod before;
 *   - plain: `bench/plain-workflows.ts`, a workflow that imports only `@temporalio/workflow` (the floor).
 * No server is needed: nothing runs but the bundle's module evaluation.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundlerOptions, workflowsPath } from '../src/temporal/worker.js';
import { probeContexts } from '../test/helpers/workflow-contexts.js';

const { values } = parseArgs({ options: { contexts: { type: 'string', default: '200' } } });
const count = Number(values.contexts);
if (!Number.isInteger(count) || count < 1 || count > 5000) throw new Error(`--contexts: expected an integer from 1 to 5000, got '${values.contexts}'`);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function measure(code: string, workflowType: string): Promise<{ kibPerContext: number; modules: number }> {
  const probe = await probeContexts(code);
  try {
    let modules = (await probe.create(workflowType)).length;
    const before = heapAfterGc();
    for (let i = 1; i < count; i++) modules = (await probe.create(workflowType)).length;
    return { kibPerContext: (heapAfterGc() - before) / Math.max(1, count - 1) / 1024, modules };
  } finally {
    await probe.close();
  }
}

process.stderr.write('bundling…\n');
const [ferry, unshared, plain] = await Promise.all([
  bundleWorkflowCode({ workflowsPath, ...workflowBundlerOptions, logger: quiet }),
  bundleWorkflowCode({ workflowsPath, ...workflowBundlerOptions, preloadModules: [], logger: quiet }),
  bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./plain-workflows.ts', import.meta.url)), logger: quiet }),
]);
const rows: [string, string, string][] = [
  ['ferry', ferry.code, 'monitor'],
  ['ferry', ferry.code, 'pipelineRun'],
  ['ferry, no preload', unshared.code, 'monitor'],
  ['ferry, no preload', unshared.code, 'pipelineRun'],
  ['plain', plain.code, 'plainSteps'],
];
process.stdout.write(`${count} workflow contexts per row, heap after GC (node ${process.version})\n`);
const results: Record<string, number> = {};
for (const [bundle, code, type] of rows) {
  const { kibPerContext, modules } = await measure(code, type);
  results[`${bundle}/${type}`] = kibPerContext;
  process.stdout.write(`${`${bundle} / ${type}`.padEnd(32)} ${kibPerContext.toFixed(0).padStart(6)} KiB per context, ${modules} modules evaluated per context\n`);
}
const floor = results['plain/plainSteps'] ?? NaN;
process.stdout.write(`ferry monitor / plain: ×${((results['ferry/monitor'] ?? NaN) / floor).toFixed(1)}; no preload / ferry (monitor): ×${((results['ferry, no preload/monitor'] ?? NaN) / (results['ferry/monitor'] ?? NaN)).toFixed(1)}\n`);
