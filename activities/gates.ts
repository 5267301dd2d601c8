import { Context } from '@temporalio/activity';
import { appendAudit } from '../src/audit/index.js';
import type { GateResult } from '../src/core/gates.js';
import type { GateSpec } from '../src/core/spec.js';
import type { ActivityDeps } from './deps.js';
import { Failure, FerryFailure } from '../src/core/failures.js';

/** Custom gate functions (from ferry.config.ts) and the audit record of every gate result. */
export function createGateActivities({ db, config }: ActivityDeps) {
  return {
    /** Runs a gate function registered with `defineGate`. */
    async checkCustomGate(input: { gate: Extract<GateSpec, { kind: 'custom' }>; metrics: Record<string, number>; production?: Record<string, number> }): Promise<GateResult> {
      const definition = config.gates.get(input.gate.fn);
      if (!definition) {
        throw new FerryFailure(Failure.StepNotFound, `gate ${input.gate.name}: function "${input.gate.fn}" is not registered in ferry.config.ts (registered: ${[...config.gates.keys()].join(', ') || 'none'})`);
      }
      const result = await definition.check({ metrics: input.metrics, productionMetrics: input.production });
      return { gate: input.gate.name, passed: result.passed, value: result.value, message: `${input.gate.name}: ${result.message}` };
    },

    /** Audits the evaluation's gate results, one record per gate. */
    async recordGateResults(input: { workflowId: string; model: string; gates: GateResult[] }): Promise<void> {
      const { workflowExecution } = Context.current().info;
      for (const [i, gate] of input.gates.entries()) {
        await appendAudit(db, {
          actor: 'ferry',
          action: 'gate.result',
          subjectKind: 'run',
          subjectId: input.workflowId,
          workflowId: input.workflowId,
          temporalRunId: workflowExecution?.runId,
          reason: gate.message,
          details: { model: input.model, ...gate },
          idempotencyKey: `${input.workflowId}:gate:${i}:${gate.gate}`,
        });
      }
    },
  };
}
