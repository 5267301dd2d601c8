import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStep } from '../../src/dsl/ferry-config.js';
import { logContext } from '../../src/log.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { definePipeline, gate, step } from '../../src/dsl/define.js';

/** A training step that reports progress by heartbeat and holds until its gate file exists. */
export const slowTrain = defineStep('obs.slow-train', z.object({ gate: z.string(), epochs: z.number() }), async (ctx, { gate: gateFile, epochs }) => {
  let epoch = 0;
  while (!existsSync(gateFile)) {
    epoch = Math.min(epochs - 1, epoch + 1);
    ctx.heartbeat({ percent: (epoch / epochs) * 100, epoch, message: 'training' });
    await new Promise((r) => setTimeout(r, 100));
  }
  ctx.heartbeat({ percent: 100, epoch: epochs, message: 'done' });
  return { metrics: { accuracy: 0.9 } };
});

/** A step that returns at once. */
export const quickTrain = defineStep('obs.quick-train', z.object({ x: z.number() }), async (_ctx, { x }) => ({ metrics: { value: x * 2 } }));

/** A gate file to release `slowTrain` with. */
export function gateFile(): { path: string; release(): void } {
  const path = join(mkdtempSync(join(tmpdir(), 'ferry-obs-')), 'release');
  return { path, release: () => writeFileSync(path, 'go') };
}

/** A pipeline training with `slowTrain` (held by `gate`), or with `quickTrain` when no gate is given. */
export function observedPipeline(name: string, gatePath?: string) {
  return parsePipeline(
    definePipeline({
      name,
      train: gatePath ? step('train', 'obs.slow-train', { gate: gatePath, epochs: 10 }, { heartbeat: '2s' }) : step('train', 'obs.quick-train', { x: 21 }),
      evaluate: { gates: [gate.min(gatePath ? 'accuracy' : 'value', 0.5)] },
    }),
    `${name}.ts`,
  );
}

/** A step that returns the log fields bound around it (what every line it logs carries). */
export const logContextStep = defineStep('obs.log-context', z.object({}), async () => ({ metrics: { ok: 1 }, bindings: { ...logContext.getStore() } }));
