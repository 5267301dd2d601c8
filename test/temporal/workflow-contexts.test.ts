import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { probeContexts, type ContextProbe } from '../helpers/workflow-contexts.js';

// The bundle global-setup builds with the workers' bundler options (src/temporal/worker.ts).
describe('a workflow context in the worker\'s bundle', () => {
  let probe: ContextProbe;
  beforeAll(async () => {
    probe = await probeContexts(readFileSync(inject('workflowBundlePath'), 'utf8'));
  });
  afterAll(async () => probe?.close());

  it('shares zod with every other context: a monitor evaluates its own workflow modules and no zod module', async () => {
    const modules = await probe.create('monitor');
    expect(modules).toContain('./workflows/monitor.ts');
    expect(modules.filter((m) => m.includes('/node_modules/zod/'))).toEqual([]);
  });

  it('leaves the spec\'s schemas unevaluated until a pipeline run validates its spec', async () => {
    for (const type of ['monitor', 'pipelineRun', 'promotion']) {
      const modules = await probe.create(type);
      expect(modules, type).toContain('./workflows/lifecycle/context.ts');
      expect(modules, type).not.toContain('./src/core/spec.ts');
    }
  });
});
