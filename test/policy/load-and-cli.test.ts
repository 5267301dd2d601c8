import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadPipelineFile } from '../../src/dsl/load.js';
import { FerryError, UsageError } from '../../src/core/errors.js';
import { assertPolicies, loadPolicies } from '../../src/policy/index.js';

const root = resolve(import.meta.dirname, '../..');
const api = join(root, 'src/index.ts');
const bin = join(root, 'bin/ferry.mjs');

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-policy-'));
  // An ESM project, as `npm init` + "type": "module" makes one; tsx loads its .ts files as modules.
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const safety = `import { definePolicy, requireApproval, requireGates } from ${JSON.stringify(api)};
export default definePolicy({
  name: 'production-safety',
  description: 'production needs a no-regression gate and an ml-leads approval',
  rules: [requireGates({ envs: ['production'], kinds: ['no-regression'] }),
          requireApproval({ env: 'production', minRequired: 1, groups: ['ml-leads'] })],
});\n`;
const limits = `import { allowedTaskQueues, maxDriftThreshold } from ${JSON.stringify(api)};
export default [allowedTaskQueues(['ferry', 'gpu']), maxDriftThreshold(0.5)];\n`;
const pipeline = (gates: string, approval: string) => `import { approval, definePipeline, gate, step } from ${JSON.stringify(api)};
export default definePipeline({
  name: 'churn',
  train: step('train', 'churn.train'),
  evaluate: { gates: [${gates}] },
  deploy: [{ env: 'production'${approval} }],
});\n`;
const good = pipeline("gate.noRegression('accuracy')", ", approval: approval({ groups: ['ml-leads'] })");
const bad = pipeline("gate.min('accuracy', 0.8)", ", approval: approval({ groups: ['ml-leads'] })");

const ferry = (cwd: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args], { cwd, env: { ...process.env, FERRY_HOME: join(cwd, '.ferry') } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );

describe('loading policies', () => {
  it('imports every policies/*.ts, single policies and lists alike, in file order', async () => {
    const dir = project({ 'policies/a-safety.ts': safety, 'policies/b-limits.ts': limits, 'policies/notes.md': 'ignored', 'policies/x.test.ts': 'throw new Error("no")' });
    const policies = await loadPolicies(dir);
    expect(policies.map((p) => [p.name, p.file])).toEqual([
      ['production-safety', join('policies', 'a-safety.ts')],
      ['allowed-task-queues', join('policies', 'b-limits.ts')],
      ['max-drift-threshold', join('policies', 'b-limits.ts')],
    ]);
  });

  it('has no policies when there is no policies/ directory', async () => {
    expect(await loadPolicies(project({}))).toEqual([]);
  });

  it('refuses a default export that is not a policy, naming the file and the field', async () => {
    const dir = project({ 'policies/odd.ts': 'export default { name: "x", check: 1 };\n' });
    await expect(loadPolicies(dir)).rejects.toThrow(UsageError);
    await expect(loadPolicies(dir)).rejects.toThrow(/^policies\/odd\.ts: default export kind: expected a policy made with definePolicy/);
  });

  it('refuses a file without a default export and two policies with one name', async () => {
    await expect(loadPolicies(project({ 'policies/none.ts': 'export const x = 1;\n' }))).rejects.toThrow(/policies\/none\.ts: has no default export/);
    await expect(loadPolicies(project({ 'policies/a.ts': safety, 'policies/b.ts': safety }))).rejects.toThrow(
      'policies/b.ts: policy "production-safety" is also defined in policies/a.ts; give each policy its own name',
    );
  });

  it('assertPolicies throws a FerryError (exit 1) naming the first violated policy', async () => {
    const dir = project({ 'policies/safety.ts': safety, 'pipelines/churn.ts': bad });
    const loaded = await loadPipelineFile('pipelines/churn.ts', dir);
    const error = await assertPolicies(loaded.spec, loaded.file, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error).not.toBeInstanceOf(UsageError);
    expect((error as FerryError).exitCode).toBe(1);
    expect((error as FerryError).message).toBe(
      "pipelines/churn.ts: policy \"production-safety\": a pipeline that deploys to production needs a no-regression gate; add one to evaluate.gates (e.g. gate.noRegression('accuracy')) (at evaluate.gates)",
    );
    expect((error as FerryError).details).toMatchObject({ policy: 'production-safety', phase: 'submit' });
  });

  it('assertPolicies passes a compliant pipeline', async () => {
    const dir = project({ 'policies/safety.ts': safety, 'pipelines/churn.ts': good });
    const loaded = await loadPipelineFile('pipelines/churn.ts', dir);
    await expect(assertPolicies(loaded.spec, loaded.file, dir)).resolves.toBeUndefined();
  });
});

describe('ferry policy check', () => {
  it('exits 1 and names the policy when the pipeline violates one', async () => {
    const dir = project({ 'policies/safety.ts': safety, 'pipelines/churn.ts': bad });
    const result = await ferry(dir, 'policy', 'check', 'pipelines/churn.ts');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('pipelines/churn.ts: policy "production-safety": a pipeline that deploys to production needs a no-regression gate');
    expect(result.stderr).toContain('ferry: pipelines/churn.ts: policy "production-safety":');
  });

  it('exits 0 for a compliant pipeline and says which policies it checked', async () => {
    const dir = project({ 'policies/safety.ts': safety, 'policies/limits.ts': limits, 'pipelines/churn.ts': good });
    const result = await ferry(dir, 'policy', 'check', 'pipelines/churn.ts');
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toBe('pipelines/churn.ts: complies with 3 policies (allowed-task-queues, max-drift-threshold, production-safety)\n');
  });

  it('prints the report as JSON with --format json', async () => {
    const dir = project({ 'policies/safety.ts': safety, 'pipelines/churn.ts': pipeline("gate.noRegression('accuracy')", '') });
    const result = await ferry(dir, 'policy', 'check', 'pipelines/churn.ts', '--format', 'json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      file: 'pipelines/churn.ts',
      ok: false,
      violations: [{ policy: 'production-safety', path: 'deploy[0].approval' }],
    });
  });

  it('exits 2 for a pipeline file that does not exist', async () => {
    const result = await ferry(project({}), 'policy', 'check', 'pipelines/missing.ts');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pipelines/missing.ts: no such file');
  });

  it('checks the repository\'s own example pipeline against its own example policies', async () => {
    const result = await ferry(root, 'policy', 'check', 'pipelines/hello.ts');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pipelines/hello.ts: complies with');
  });
});
