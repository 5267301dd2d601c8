import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import webpack from 'webpack';
import { describe, expect, inject, it } from 'vitest';
import { installRuntime } from '../../src/temporal/runtime.js';
import { historyFromJson } from './history-json.js';

/**
 * The TMPRL1100 wedge of the durability issue, reproduced from a real run: `ferry demo` on the code before the fix,
 * under load, recorded this history (kept as it was fetched from the dev server). Replaying it — what a worker does
 * after a restart or a cache eviction — failed every workflow task of the run with "Non-deprecated patch marker
 * encountered for change waiting-status, but there is no corresponding change command!", the message the user saw.
 */
const file = fileURLToPath(new URL('./histories/wedge-lagging-local-activity-v0.json', import.meta.url));
interface HistoryEventJson {
  eventType: string;
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
}
const json = JSON.parse(readFileSync(file, 'utf8')) as { events: HistoryEventJson[] };
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never;

async function replay(workflowBundle: Parameters<typeof Worker.runReplayHistories>[0]['workflowBundle']): Promise<ReplayResult> {
  installRuntime();
  const results: ReplayResult[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle, replayName: 'ferry-wedge' }, [{ workflowId: 'wedge', history: historyFromJson(json) }])) results.push(r);
  expect(results).toHaveLength(1);
  return results[0]!;
}

const patchId = (e: HistoryEventJson) => {
  const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data, 'base64').toString()) as { id: string }).id : undefined;
};

describe('the lagging-local-activity wedge (TMPRL1100 on waiting-status)', () => {
  it('is a history whose approval-stage bookkeeping marker lies a workflow task before the waiting-status marker', () => {
    const events = json.events;
    const at = events.findIndex((e) => patchId(e) === 'waiting-status');
    expect(at).toBeGreaterThan(0);
    // Walking back from the waiting-status marker: its own workflow task's completion, then the previous task's
    // local-activity marker with nothing in between but workflow-task events — the first execution went on from that
    // local activity's result only in the next task, while a replay resolves it in the earlier one.
    const before = events.slice(0, at).reverse();
    const ownTask = before.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
    const rest = before.slice(ownTask + 1);
    const previous = rest.findIndex((e) => e.eventType !== 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED' && e.eventType !== 'EVENT_TYPE_WORKFLOW_TASK_STARTED');
    expect(rest[previous]).toMatchObject({ eventType: 'EVENT_TYPE_MARKER_RECORDED', markerRecordedEventAttributes: { markerName: 'core_local_activity' } });
    expect(previous).toBe(2);
  });

  it('wedges the code from before the fix', async () => {
    const prefix = fileURLToPath(new URL('./prefix-patches.ts', import.meta.url));
    const bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
      logger: quiet,
      webpackConfigHook: (config) => {
        config.plugins = [
          ...(config.plugins ?? []),
          // The lifecycle's stages (workflows/lifecycle/) import it as ../patches.js, the workflows themselves as ./patches.js.
          new webpack.NormalModuleReplacementPlugin(/^\.\.?\/patches\.js$/, (resource: { context: string; request: string }) => {
            const fromWorkflows = resource.context.endsWith('/workflows') && resource.request === './patches.js';
            const fromStages = resource.context.endsWith('/workflows/lifecycle') && resource.request === '../patches.js';
            if (fromWorkflows || fromStages) resource.request = prefix;
          }),
        ];
        return config;
      },
    });
    const result = await replay(bundle);
    expect(result.error?.message).toContain('[TMPRL1100] Nondeterminism error: Non-deprecated patch marker encountered for change waiting-status');
  });

  it('replays to the end on the current code', async () => {
    const result = await replay({ codePath: inject('workflowBundlePath') });
    expect(result.error).toBeUndefined();
  });
});
