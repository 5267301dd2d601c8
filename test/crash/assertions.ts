import { expect } from 'vitest';
import { repeatedEffects, type LifecycleOutcome } from './harness.js';

/**
 * What an interrupted lifecycle must end with: the same as an uninterrupted one (v1 serves production again, v2 was
 * rolled back for drift, every run succeeded), no finished step run twice, an intact audit chain, no wedged workflow
 * and no nondeterminism error in the worker's log.
 */
export function expectUninterruptedOutcome(outcome: LifecycleOutcome): void {
  process.stderr.write(`[crash] kill points: ${outcome.kills.map((k) => `\n  ${k.atSeconds} s  ${k.point}`).join('')}\n`);
  process.stderr.write(`[crash] outcome: production v${outcome.production}, versions ${JSON.stringify(outcome.versions)}, runs ${JSON.stringify(outcome.runs.map((r) => r.status))}, audit ${outcome.audit.code === 0 ? 'intact' : 'BROKEN'}\n`);
  expect(outcome.unreached).toEqual([]);
  expect(outcome.nondeterminism).toEqual([]);
  expect(outcome.wedged).toEqual([]);
  expect(outcome.production).toBe(1);
  expect(outcome.versions).toEqual([
    { version: 1, status: 'approved' },
    { version: 2, status: 'rolled-back' },
  ]);
  expect(outcome.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  expect(repeatedEffects(outcome.effects)).toEqual([]);
  // Both releases ran each of their steps: train, evaluate and the flaky check, once each.
  expect(outcome.effects).toHaveLength(6);
  expect(outcome.audit, outcome.audit.output).toMatchObject({ code: 0 });
}
