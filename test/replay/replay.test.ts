import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { installRuntime } from '../../src/temporal/runtime.js';
import { scenarios } from './fixture.js';
import { historyFromJson } from './history-json.js';

const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never;

/** Every recorded history, with the workflow id the recorder gave it (`replay-<name>`). */
function histories() {
  return readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.json$/, '');
      return { name, workflowId: `replay-${name}`, history: historyFromJson(JSON.parse(readFileSync(`${historiesDir}${f}`, 'utf8'))) };
    });
}

async function replayAll(options: Parameters<typeof Worker.runReplayHistories>[0]): Promise<ReplayResult[]> {
  installRuntime();
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories(options, histories())) results.push(result);
  return results;
}

describe('recorded histories replay against the current workflow code', () => {
  it('has a recorded history for every fixture scenario', () => {
    expect(histories().map((h) => h.name)).toEqual(expect.arrayContaining(Object.keys(scenarios)));
  });

  it('replays every recorded history without a nondeterminism error', async () => {
    const recorded = histories();
    const results = await replayAll({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: 'ferry-replay' });
    expect(results.map((r) => [r.workflowId, r.error?.message])).toEqual(recorded.map((h) => [h.workflowId, undefined]));
  });

  it('reports a nondeterminism error when the workflow code no longer matches a history', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./drifted-workflows.ts', import.meta.url)), logger: quiet });
    const results = await replayAll({ workflowBundle: bundle, replayName: 'ferry-replay-drifted' });
    expect(results.length).toBeGreaterThanOrEqual(2);
    // The drifted bundle has only a pipelineRun: its histories hit the drift; monitor and promotion ones find no workflow.
    const pipelineRuns = new Set(histories().filter((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name === 'pipelineRun').map((h) => h.workflowId));
    expect(pipelineRuns.size).toBeGreaterThanOrEqual(2);
    for (const result of results) {
      if (pipelineRuns.has(result.workflowId)) expect(result.error).toMatchObject({ name: 'DeterminismViolationError', message: expect.stringContaining('Nondeterminism') });
      else expect(result.error).toBeDefined();
    }
  });
});
