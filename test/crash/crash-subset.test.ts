import { describe, it } from 'vitest';
import { expectUninterruptedOutcome } from './assertions.js';
import { ALL_POINTS, runLifecycle } from './harness.js';
import { replayAll } from './replay.js';

// A representative subset of the crash matrix (npm run test:crash runs all of it): ferry dev SIGKILLed while a step
// is failing and being retried, while an approval Update is in flight, and while the monitor rolls production back.
const SUBSET = ['release 1: build step failing and being retried', 'release 1: approval Update in flight', 'monitor: rolling production back'];

describe('the penguins lifecycle survives ferry dev being killed (subset of the crash matrix)', () => {
  it('ends as an uninterrupted run would, and every workflow it produced replays', async () => {
    const outcome = await runLifecycle(ALL_POINTS.filter((p) => SUBSET.includes(p.name)));
    expectUninterruptedOutcome(outcome);
    await replayAll(outcome.histories);
  }, 900_000);
});
