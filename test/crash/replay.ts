import { expect, inject } from 'vitest';
import { Worker } from '@temporalio/worker';
import { installRuntime } from '../../src/temporal/runtime.js';
import { historyFromJson } from '../replay/history-json.js';

/** Replays every history a lifecycle produced against the current workflow bundle; none may fail. */
export async function replayAll(histories: { workflowId: string; json: string }[]): Promise<void> {
  installRuntime();
  const failures: [string, string][] = [];
  const input = histories.map((h) => ({ workflowId: h.workflowId.split('/')[0]!, history: historyFromJson(JSON.parse(h.json)) }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: 'crash-replay' }, input)) {
    if (result.error) failures.push([result.workflowId, result.error.message]);
  }
  expect(histories.length).toBeGreaterThanOrEqual(6);
  expect(failures).toEqual([]);
}
