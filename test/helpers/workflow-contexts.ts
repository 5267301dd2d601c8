/**
 * What one cached workflow costs a worker before it runs a line: the worker's bundle loaded into Temporal's reusable V8
 * context (the default executor), workflows created in it as a worker creates them, and the heap and modules each new
 * workflow context holds. Uses the SDK's executor class (`@temporalio/worker/lib/workflow/reusable-vm.js`, pinned with
 * the SDK), since the public Worker hides it in a worker thread.
 */
import vm from 'node:vm';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm.js';

interface Creator {
  createWorkflow(options: unknown): Promise<unknown>;
  readonly context: vm.Context;
  destroy(): Promise<void>;
}

interface ProbedWorkflow {
  dispose(): Promise<void>;
}

/** The bundle's inline source map, which the executor reads as the worker does (`parseWorkflowCode`). */
function sourceMapOf(code: string): unknown {
  const at = code.lastIndexOf('//# sourceMappingURL=data:');
  const base64 = code.indexOf('base64,', at);
  if (at < 0 || base64 < 0) throw new Error('the workflow bundle has no inline source map');
  return JSON.parse(Buffer.from(code.slice(base64 + 'base64,'.length).trimEnd(), 'base64').toString());
}

function info(workflowType: string, i: number) {
  const now = new Date(0);
  return {
    workflowType, workflowId: `probe-${i}`, runId: `run-${i}`, firstExecutionRunId: `run-${i}`, namespace: 'default', taskQueue: 'probe',
    attempt: 1, historyLength: 3, historySize: 300, continueAsNewSuggested: false, searchAttributes: {}, typedSearchAttributes: {}, memo: {},
    unsafe: { isReplaying: false, now: Date.now }, startTime: now, runStartTime: now, priority: {},
  };
}

export interface ContextProbe {
  /** Creates one workflow context of this type; returns the ids of the modules it evaluated for itself (not shared). */
  create(workflowType: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Loads the bundle's code into a reusable V8 context, as a worker thread does. */
export async function probeContexts(code: string): Promise<ContextProbe> {
  const creator = (await ReusableVMWorkflowCreator.create({ code, sourceMap: sourceMapOf(code), filename: '/probe/workflow-bundle.js' } as never, 5000, new Set<string>(), undefined)) as unknown as Creator;
  const held: ProbedWorkflow[] = [];
  return {
    async create(workflowType) {
      held.push((await creator.createWorkflow({ info: info(workflowType, held.length), randomnessSeed: [1, 2], now: 0, showStackTraceSources: false })) as ProbedWorkflow);
      return [...(vm.runInContext('__TEMPORAL_ACTIVATOR__.moduleCache', creator.context) as Map<string, unknown>).keys()];
    },
    async close() {
      // The executor refuses to be destroyed while a workflow context it created is alive.
      for (const workflow of held.splice(0)) await workflow.dispose();
      await creator.destroy();
    },
  };
}
