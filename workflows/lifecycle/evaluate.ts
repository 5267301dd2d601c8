import { ApplicationFailure } from '@temporalio/workflow';
import { checkGate, checkNoRegression } from '../../src/core/gates.js';
import type { PipelineSpec } from '../../src/core/spec.js';
import { act, books, stage, type RunContext } from './context.js';
import { recordExperiment, runStep } from './steps.js';
import { Failure } from '../../src/core/failures.js';

/** Evaluate: the evaluation step, the gates (against production's metrics where asked) and the risk checks. */
export async function evaluate(run: RunContext): Promise<void> {
  const evaluation = run.spec.evaluate;
  if (evaluation) {
    // With an evaluation step, the stage's record is handed to it.
    await stage(run, 'evaluate', `${evaluation.gates.length} gate(s)`, async (_, progress) => {
      if (evaluation.step) {
        run.outputs[evaluation.step.id] = await runStep(run, 'evaluate', evaluation.step, progress);
        run.metrics = { ...run.metrics, ...run.outputs[evaluation.step.id]!.metrics };
        await recordExperiment(run);
      }
      const { model, metrics, gates, workflowId } = run;
      const noRegression = evaluation.gates.flatMap((g) => (g.kind === 'no-regression' ? [g.metric] : []));
      if (run.patches.championScoring) {
        const champion = noRegression.length > 0 ? await act.scoreProduction({ model, metrics: noRegression, candidate: metrics, ...evaluationData(run) }) : undefined;
        const production = champion && Object.fromEntries(Object.entries(champion.values).flatMap(([m, v]) => (v.production === undefined ? [] : [[m, v.production]])));
        for (const gate of evaluation.gates) {
          if (gate.kind === 'custom') gates.push(await act.checkCustomGate({ gate, metrics, production }));
          else gates.push(gate.kind === 'no-regression' ? checkNoRegression(gate, metrics, champion) : checkGate(gate, metrics));
        }
      } else {
        const production = noRegression.length > 0 ? await act.getProductionMetrics({ model }) : undefined;
        for (const gate of evaluation.gates) {
          gates.push(gate.kind === 'custom' ? await act.checkCustomGate({ gate, metrics, production }) : checkGate(gate, metrics, production));
        }
      }
      if (evaluation.checks.length > 0) await riskChecks(run, evaluation.checks);
      await books(run).recordGateResults({ workflowId, model, gates });
      const failed = gates.find((g) => !g.passed);
      if (failed) throw ApplicationFailure.nonRetryable(`gate ${failed.gate} failed: ${failed.message}`, Failure.GateFailed, failed);
    }, evaluation.step !== undefined);
  }
  run.status.metrics = run.metrics;
}

/** The candidate's model and held-out data (artifacts `model` and `heldout`, latest step first), where the steps wrote them. */
function evaluationData(run: RunContext): { candidateModelUri?: string; heldoutUri?: string } {
  const produced = Object.values(run.outputs).reverse();
  const candidateModelUri = produced.find((o) => o.artifacts.model)?.artifacts.model?.uri;
  const heldoutUri = produced.find((o) => o.artifacts.heldout)?.artifacts.heldout?.uri;
  return { ...(candidateModelUri ? { candidateModelUri } : {}), ...(heldoutUri ? { heldoutUri } : {}) };
}

/** Robustness, fairness, calibration and importance checks on the trained model; their results count as gates. */
async function riskChecks(run: RunContext, checks: NonNullable<PipelineSpec['evaluate']>['checks']): Promise<void> {
  const { spec } = run;
  const produced = Object.values(run.outputs).reverse();
  const modelArtifact = produced.find((o) => o.artifacts.model)?.artifacts.model;
  if (!modelArtifact) throw ApplicationFailure.nonRetryable('risk checks need a "model" artifact from the train step', Failure.StepOutputError);
  const risk = await act.runRiskChecks({
    model: run.model,
    checks,
    seed: spec.seed,
    modelUri: modelArtifact.uri,
    heldoutUri: produced.find((o) => o.artifacts.heldout)?.artifacts.heldout?.uri,
    card: spec.card,
    description: spec.description,
  });
  run.gates.push(...risk.results);
  run.modelCard = risk.modelCard;
}
