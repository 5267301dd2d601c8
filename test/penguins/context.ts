import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PreviousStep, StepContext } from '../../src/index.js';

/** The committed dataset, as the integrate stage would resolve it. */
export const DATASET = fileURLToPath(new URL('../../pipelines/penguins/data/penguins.csv', import.meta.url));

/** A StepContext built by hand (no worker): a fresh output directory, the committed dataset, recorded heartbeats. */
export function stepContext(overrides: Partial<StepContext> & { stepId?: string } = {}): StepContext & { beats: unknown[] } {
  const root = mkdtempSync(join(tmpdir(), 'ferry-penguins-'));
  const outputDir = join(root, 'out');
  mkdirSync(outputDir);
  const beats: unknown[] = [];
  return {
    workflowId: 'penguins-test',
    stepId: 'train',
    workspace: process.cwd(),
    commit: '0'.repeat(40),
    datasets: { penguins: { path: DATASET, sha256: 'not-hashed-in-unit-tests' } },
    pipelineParams: { trees: 50, testShare: 0.25 },
    seed: 42,
    previous: {},
    heartbeat: (progress) => void beats.push(progress),
    ...overrides,
    outputDir: overrides.outputDir ?? outputDir,
    beats,
  };
}

/** How a later step sees a finished step's artifacts (`ctx.previous[id]`), from files in its output directory. */
export function previousStep(outputDir: string, result: { metrics?: Record<string, number>; artifacts?: Record<string, string> }): PreviousStep {
  return {
    metrics: result.metrics ?? {},
    result: {},
    artifacts: Object.fromEntries(
      Object.entries(result.artifacts ?? {}).map(([name, file]) => [name, { sha256: 'unused', uri: `file://${join(outputDir, file)}`, size: 0, path: join(outputDir, file) }]),
    ),
  };
}
