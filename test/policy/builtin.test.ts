import { describe, expect, it } from 'vitest';
import { approval, definePipeline, gate, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import type { PipelineInput } from '../../src/core/spec.js';
import { UsageError } from '../../src/core/errors.js';
import {
  allowedTaskQueues,
  checkPolicies,
  definePolicy,
  maxDriftThreshold,
  requireApproval,
  requireGates,
  requireOwner,
} from '../../src/policy/index.js';
import productionSafety from '../../policies/production-safety.js';

const spec = (over: Partial<Omit<PipelineInput, 'apiVersion'>> = {}) =>
  parsePipeline(
    definePipeline({
      name: 'churn',
      train: step('train', 'churn.train'),
      evaluate: { gates: [gate.min('accuracy', 0.8), gate.noRegression('accuracy')] },
      deploy: [{ env: 'staging' }, { env: 'production', approval: approval({ groups: ['ml-leads'] }) }],
      ...over,
    }),
    'pipelines/churn.ts',
  ).spec;

const submit = { phase: 'submit' as const };

describe('requireGates', () => {
  const policy = requireGates({ envs: ['production'], kinds: ['no-regression'], metrics: ['accuracy'] });

  it('passes a production pipeline with a no-regression gate on the metric', () => {
    expect(checkPolicies([policy], spec(), submit)).toEqual({ ok: true, checked: ['require-gates'], violations: [] });
  });

  it('refuses a production pipeline without a no-regression gate, pointing at evaluate.gates', () => {
    const report = checkPolicies([policy], spec({ evaluate: { gates: [gate.min('accuracy', 0.8)] } }), submit);
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([
      { policy: 'require-gates', path: 'evaluate.gates', message: expect.stringContaining('deploys to production needs a no-regression gate') },
    ]);
  });

  it('asks for a gate on each required metric', () => {
    const report = checkPolicies([policy], spec({ evaluate: { gates: [gate.noRegression('f1')] } }), submit);
    expect(report.violations.map((v) => v.message)).toEqual([expect.stringContaining('needs a gate on "accuracy"')]);
  });

  it('ignores pipelines that do not deploy to the listed environments', () => {
    expect(checkPolicies([policy], spec({ evaluate: { gates: [] }, deploy: [{ env: 'staging' }] }), submit).ok).toBe(true);
  });
});

describe('requireApproval', () => {
  const policy = requireApproval({ env: 'production', minRequired: 2, groups: ['ml-leads'], separationOfDuties: true });

  it('at submission, refuses a production deploy without an approval rule', () => {
    const report = checkPolicies([policy], spec({ deploy: [{ env: 'production' }] }), submit);
    expect(report.violations).toEqual([{ policy: 'require-approval', path: 'deploy[0].approval', message: expect.stringContaining('deploying to production needs an approval') }]);
  });

  it('at submission, refuses too few approvals and groups outside the allowed ones', () => {
    const report = checkPolicies([policy], spec({ deploy: [{ env: 'production', approval: approval({ required: 1, groups: ['interns'] }) }] }), submit);
    expect(report.violations.map((v) => v.path)).toEqual(['deploy[0].approval.required', 'deploy[0].approval.groups']);
    expect(report.violations[1]!.message).toContain('must come from ml-leads, not interns');
  });

  it('at submission, refuses a rule that lets any approver decide when groups are required', () => {
    const report = checkPolicies([policy], spec({ deploy: [{ env: 'production', approval: approval({ required: 2 }) }] }), submit);
    expect(report.violations.map((v) => v.message)).toEqual([expect.stringContaining('lets any approver decide')]);
  });

  it('at submission, passes a rule that meets it', () => {
    expect(checkPolicies([policy], spec({ deploy: [{ env: 'production', approval: approval({ required: 3, groups: ['ml-leads'] }) }] }), submit).ok).toBe(true);
  });

  it('at promotion, counts distinct approvals by group members other than the author', () => {
    const s = spec();
    const promote = (approvals: { approver: string; decision: 'approve' | 'reject'; groups?: string[] }[]) =>
      checkPolicies([policy], s, { phase: 'promote', env: 'production', author: 'alice', approvals });
    const lead = ['ml-leads'];
    expect(promote([{ approver: 'bob', decision: 'approve', groups: lead }]).ok).toBe(false);
    expect(promote([{ approver: 'bob', decision: 'approve', groups: lead }, { approver: 'bob', decision: 'approve', groups: lead }]).ok).toBe(false);
    expect(promote([{ approver: 'bob', decision: 'approve', groups: lead }, { approver: 'alice', decision: 'approve', groups: lead }]).ok).toBe(false);
    expect(promote([{ approver: 'bob', decision: 'approve', groups: lead }, { approver: 'carol', decision: 'approve', groups: ['data'] }]).ok).toBe(false);
    const ok = promote([{ approver: 'bob', decision: 'approve', groups: lead }, { approver: 'carol', decision: 'approve', groups: lead }]);
    expect(ok.ok).toBe(true);
    expect(promote([{ approver: 'bob', decision: 'approve', groups: lead }]).violations[0]!.message).toBe(
      "promotion to production needs 2 approval(s) from members of ml-leads other than the run's author; it has 1",
    );
  });

  it('at promotion to another environment, has nothing to say', () => {
    expect(checkPolicies([policy], spec(), { phase: 'promote', env: 'staging', approvals: [] }).ok).toBe(true);
  });
});

describe('allowedTaskQueues, maxDriftThreshold, requireOwner', () => {
  it('refuses a step on a task queue outside the list, naming the step and the field', () => {
    const s = spec({ build: [step('lint', 'lint', {}, { taskQueue: 'gpu' })], train: step('train', 'churn.train', {}, { taskQueue: 'tpu' }) });
    expect(checkPolicies([allowedTaskQueues(['ferry', 'gpu'])], s, submit).violations).toEqual([
      { policy: 'allowed-task-queues', path: 'train.taskQueue', message: 'step "train" asks for task queue "tpu"; allowed: ferry, gpu' },
    ]);
  });

  it('refuses a drift threshold above the maximum', () => {
    const report = checkPolicies([maxDriftThreshold(0.3)], spec({ monitor: { maxDriftShare: 0.6 } }), submit);
    expect(report.violations).toEqual([{ policy: 'max-drift-threshold', path: 'monitor.maxDriftShare', message: 'monitor.maxDriftShare is 0.6; at most 0.3 is allowed' }]);
    expect(checkPolicies([maxDriftThreshold(0.3)], spec({ monitor: { maxDriftShare: 0.3 } }), submit).ok).toBe(true);
  });

  it('with requireMonitor, refuses a deploying pipeline without a monitor', () => {
    expect(checkPolicies([maxDriftThreshold(0.3, { requireMonitor: true })], spec(), submit).violations[0]!.path).toBe('monitor');
    expect(checkPolicies([maxDriftThreshold(0.3)], spec(), submit).ok).toBe(true);
  });

  it('requires an owner', () => {
    expect(checkPolicies([requireOwner()], spec(), submit).violations[0]!.path).toBe('owner');
    expect(checkPolicies([requireOwner()], spec({ owner: 'ml-platform' }), submit).ok).toBe(true);
  });
});

describe('definePolicy', () => {
  it('reports composed rules under the policy\'s own name', () => {
    const report = checkPolicies([productionSafety], spec({ evaluate: { gates: [] }, deploy: [{ env: 'production' }] }), submit);
    expect(report.violations.map((v) => v.policy)).toEqual(['production-safety', 'production-safety']);
    expect(report.violations.map((v) => v.path)).toEqual(['evaluate.gates', 'deploy[0].approval']);
  });

  it('passes the example pipeline shape the production-safety policy describes', () => {
    expect(checkPolicies([productionSafety], spec(), submit).ok).toBe(true);
  });

  it('accepts plain string findings from a custom check', () => {
    const policy = definePolicy({ name: 'no-friday', description: 'x', check: (s) => (s.name === 'churn' ? ['not on a Friday'] : []) });
    expect(checkPolicies([policy], spec(), submit).violations).toEqual([{ policy: 'no-friday', message: 'not on a Friday' }]);
  });

  it('fails closed: a check that throws is a violation', () => {
    const policy = definePolicy({ name: 'broken', check: () => { throw new Error('boom'); } });
    expect(checkPolicies([policy], spec(), submit).violations).toEqual([{ policy: 'broken', message: "the policy's check failed (boom); fix the policy file" }]);
  });

  it('refuses a bad name or a policy with nothing to check', () => {
    expect(() => definePolicy({ name: '', check: () => [] })).toThrow(UsageError);
    expect(() => definePolicy({ name: 'Has Spaces', check: () => [] })).toThrow(/expected lower-case/);
    expect(() => definePolicy({ name: 'empty' })).toThrow(/give it a check/);
  });
});
