import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { runFerry } from '../helpers/cli.js';

const base = { apiVersion: 'ferry/v1', name: 'churn', train: { kind: 'function', id: 'train', fn: 'churn.train' } };
const train = base.train;

// Each case: a definition someone could plausibly write, and what the one-line error must name.
const cases: [string, unknown, RegExp][] = [
  ['a gate bound of the wrong type', { ...base, evaluate: { gates: [{ kind: 'min', metric: 'accuracy', min: '0.9' }] } }, /^churn\.ts: evaluate\.gates\[0\]\.min: expected a number, got "0\.9"$/],
  ['a canary step above 100', { ...base, deploy: [{ env: 'production', strategy: { kind: 'canary', steps: [10, 150, 100] } }] }, /deploy\[0\]\.strategy\.steps\[1\]: expected a percentage ≤ 100, got 150/],
  ['a canary that never reaches 100', { ...base, deploy: [{ env: 'prod', strategy: { kind: 'canary', steps: [10, 50] } }] }, /deploy\[0\]\.strategy\.steps: the last canary step must be 100/],
  ['an unknown gate kind', { ...base, evaluate: { gates: [{ kind: 'minimum', metric: 'accuracy', min: 0.9 }] } }, /evaluate\.gates\[0\]\.kind: expected "min" or "max" or "no-regression" or "custom" \(use gate\.min\(\), .*\), got "minimum"$/],
  ['a misspelt top-level field', { ...base, trian: train }, /\(pipeline\): unknown field "trian"; check the spelling/],
  ['a misspelt step option', { ...base, train: { ...train, timout: '1h' } }, /train: unknown field "timout"/],
  ['a bad duration', { ...base, train: { ...train, timeout: '2 hours' } }, /train\.timeout: expected a duration like "30s", "10m", "2h" or "3d", got "2 hours"/],
  ['negative retries', { ...base, train: { ...train, retries: -1 } }, /train\.retries: expected a number ≥ 0, got -1/],
  ['an upper-case pipeline name', { ...base, name: 'Churn' }, /name: expected lower-case letters, digits and dashes/],
  ['a missing name', { apiVersion: 'ferry/v1', train }, /name: expected a string, got nothing/],
  ['a step without a kind', { ...base, train: { id: 'train', fn: 'x' } }, /train\.kind: expected "function" or "command" \(use step\(\) or command\(\)\), got nothing/],
  ['a command step without a command', { ...base, build: [{ kind: 'command', id: 'tests', run: '' }] }, /build\[0\]\.run: expected a shell command, got ""/],
  ['two steps with one id', { ...base, build: [{ kind: 'command', id: 'train', run: 'npm test' }] }, /step id "train" is used twice/],
  ['deploying the same environment twice', { ...base, deploy: [{ env: 'staging' }, { env: 'staging' }] }, /deploy\[1\]\.env: environment "staging" is deployed twice/],
  ['deploying without training', { apiVersion: 'ferry/v1', name: 'x', deploy: [{ env: 'staging' }] }, /train: a pipeline that deploys needs a train step/],
  ['zero required approvals', { ...base, deploy: [{ env: 'production', approval: { required: 0 } }] }, /deploy\[0\]\.approval\.required: expected a number ≥ 1, got 0/],
  ['an unknown deployment target', { ...base, deploy: [{ env: 'production', target: 'lambda' }] }, /deploy\[0\]\.target: expected "local" or "kubernetes" or "webhook" or "mlserver" or "sagemaker", got "lambda"/],
  ['a drift share above 1', { ...base, monitor: { maxDriftShare: 1.5 } }, /monitor\.maxDriftShare: expected a number ≤ 1, got 1\.5/],
  ['an unknown breach action', { ...base, monitor: { onBreach: 'panic' } }, /monitor\.onBreach: expected "alert" or "rollback" or "retrain", got "panic"/],
  ['a dataset without a path', { ...base, datasets: [{ name: 'train' }] }, /datasets\[0\]\.path: expected a string, got nothing/],
  ['params that are not scalars', { ...base, params: { layers: [1, 2] } }, /params\.layers: expected one of the allowed forms, got \[1,2\]/],
  ['a non-integer seed', { ...base, seed: 1.5 }, /seed: expected a int, got 1\.5|seed: expected an integer/],
];

describe('malformed pipeline definitions', () => {
  it.each(cases)('%s fails with a message naming the field', (_name, input, expected) => {
    let error: unknown;
    try {
      parsePipeline(input, 'churn.ts');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toMatch(expected);
    expect((error as UsageError).message).not.toContain('\n');
  });
});

describe('ferry run on a bad definition', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bad-'));
  const src = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'gate.ts'), `import { definePipeline, gate, step } from ${src};\nexport default definePipeline({ name: 'churn', train: step('train', 'x'), evaluate: { gates: [gate.min('accuracy', 1.5), { kind: 'max', metric: 'loss', max: 'low' }] } } as never);\n`);
  writeFileSync(join(dir, 'no-default.ts'), 'export const pipeline = {};\n');
  writeFileSync(join(dir, 'syntax.ts'), 'export default definePipeline({ name: \n');
  writeFileSync(join(dir, 'throws.ts'), 'throw new Error("boom at load");\n');
  // The local target serves a model only through a predictor in ferry.config.ts; this project registers none.
  writeFileSync(join(dir, 'unservable.ts'), `import { definePipeline, step } from ${src};\nexport default definePipeline({ name: 'churn', train: step('train', 'x'), deploy: [{ env: 'staging' }] });\n`);

  // No stack is running and none is configured: validation must fail first, so no workflow can have started.
  const env = { TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_HOME: join(dir, '.ferry') };
  it.each([
    ['gate.ts', /^ferry: gate\.ts: evaluate\.gates\[1\]\.max: expected a number, got "low"\n$/],
    ['no-default.ts', /^ferry: no-default\.ts: has no default export; end it with "export default definePipeline/],
    ['syntax.ts', /^ferry: syntax\.ts: cannot be loaded: /],
    ['throws.ts', /^ferry: throws\.ts: cannot be loaded: boom at load\n$/],
    ['missing.ts', /^ferry: missing\.ts: no such file; pass the path of a pipeline definition/],
    ['unservable.ts', /^ferry: unservable\.ts: deploy\[0\] \(staging\): model "churn" has no way to be served by the local target; add definePredictor\('churn', load\) to predictors in ferry\.config\.ts, or deploy with target 'mlserver' \(a Python model: scikit-learn, XGBoost, MLflow\), 'kubernetes' or 'webhook'\n$/],
  ])('%s exits 2 with one line and no stack trace', async (file, expected) => {
    const result = await runFerry(['run', file], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});
