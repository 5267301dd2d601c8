import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { expectUninterruptedOutcome } from './assertions.js';
import { ALL_POINTS, runLifecycle } from './harness.js';
import { replayAll } from './replay.js';

// The whole crash matrix (npm run test:crash): one uninterrupted lifecycle as the baseline, then the same lifecycle
// with ferry dev SIGKILLed at every point of ALL_POINTS. FERRY_RECORD_HISTORIES=1 keeps the histories it produced
// in test/replay/histories/ (as crash-*.json) for the replay suite.
const historiesDir = fileURLToPath(new URL('../replay/histories/', import.meta.url));

/** Writes each history as `<prefix>-<workflow type>-<run id prefix>.json` for the replay suite. */
function keep(histories: { workflowId: string; json: string }[], prefix: string): void {
  mkdirSync(historiesDir, { recursive: true });
  for (const h of histories) {
    const type = h.workflowId.split('/')[0]!.replace(/-\d{8}-\d{6}-[0-9a-f]+$/, '');
    writeFileSync(`${historiesDir}${prefix}-${type}-${h.workflowId.split('/')[1]!.slice(0, 8)}.json`, `${h.json}\n`);
  }
}

describe('the crash matrix', () => {
  it('an uninterrupted lifecycle: the baseline outcome', async () => {
    const outcome = await runLifecycle([]);
    expectUninterruptedOutcome(outcome);
    await replayAll(outcome.histories);
    if (process.env.FERRY_RECORD_HISTORIES) keep(outcome.histories, 'lifecycle');
  }, 900_000);

  it('killed at every point of the matrix: the same outcome, nothing repeated, every history replays', async () => {
    const outcome = await runLifecycle(ALL_POINTS);
    expectUninterruptedOutcome(outcome);
    await replayAll(outcome.histories);
    if (process.env.FERRY_RECORD_HISTORIES) keep(outcome.histories, 'crash');
  }, 1_800_000);
});
