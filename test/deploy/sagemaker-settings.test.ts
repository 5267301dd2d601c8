import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { createTarget } from '../../src/deploy/targets.js';
import { fillVariantUrl, sagemakerSettings } from '../../src/deploy/sagemaker-settings.js';
import { runFerry } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';

/** Everything the target needs; each case below removes or spoils one variable. */
const complete = {
  FERRY_SAGEMAKER_REGION: 'eu-west-1',
  FERRY_SAGEMAKER_ROLE_ARN: 'arn:aws:iam::123456789012:role/ferry-sagemaker',
  FERRY_SAGEMAKER_IMAGE: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
  FERRY_SAGEMAKER_VARIANT_URL: 'http://sagemaker-v2:8080/{endpoint}/{variant}',
  FERRY_ARTIFACTS: 's3://models/ferry',
};

describe('the sagemaker target settings', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backends()[0]!.create();
  });
  afterAll(() => database?.close());

  it('reads complete settings with their defaults and fills the variant URL template', () => {
    expect(sagemakerSettings({ ...complete, FERRY_SAGEMAKER_REGION: undefined, AWS_REGION: 'us-west-2' })).toEqual({
      region: 'us-west-2',
      roleArn: complete.FERRY_SAGEMAKER_ROLE_ARN,
      image: complete.FERRY_SAGEMAKER_IMAGE,
      instanceType: 'ml.m5.large',
      variantUrl: complete.FERRY_SAGEMAKER_VARIANT_URL,
    });
    expect(fillVariantUrl(complete.FERRY_SAGEMAKER_VARIANT_URL, { endpoint: 'churn-production', model: 'churn', version: 3 })).toBe('http://sagemaker-v2:8080/churn-production/v3');
  });

  it.each([
    ['FERRY_SAGEMAKER_REGION', { FERRY_SAGEMAKER_REGION: undefined }, /needs FERRY_SAGEMAKER_REGION: the AWS region/],
    ['FERRY_SAGEMAKER_ROLE_ARN', { FERRY_SAGEMAKER_ROLE_ARN: undefined }, /needs FERRY_SAGEMAKER_ROLE_ARN: the execution role/],
    ['FERRY_SAGEMAKER_ROLE_ARN', { FERRY_SAGEMAKER_ROLE_ARN: 'ferry-sagemaker' }, /needs FERRY_SAGEMAKER_ROLE_ARN: "ferry-sagemaker" is not an IAM role ARN/],
    ['FERRY_SAGEMAKER_IMAGE', { FERRY_SAGEMAKER_IMAGE: undefined }, /needs FERRY_SAGEMAKER_IMAGE: the inference container image/],
    ['FERRY_SAGEMAKER_VARIANT_URL', { FERRY_SAGEMAKER_VARIANT_URL: 'sagemaker-v2/{variant}' }, /needs FERRY_SAGEMAKER_VARIANT_URL: "sagemaker-v2\/\{variant\}" is not an http\(s\) URL template/],
    ['FERRY_ARTIFACTS', { FERRY_ARTIFACTS: undefined }, /needs FERRY_ARTIFACTS: an s3:\/\/bucket\/prefix artifact store/],
  ])('refuses to build the target without %s, in one line naming it', (_name, change, expected) => {
    let error: unknown;
    try {
      createTarget('sagemaker', { db: database.db, sagemaker: { ...complete, ...change } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^sagemaker deployment target: target 'sagemaker' needs /);
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('ferry run with a sagemaker deploy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sagemaker-'));
  const src = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'churn.ts'), `import { definePipeline, step } from ${src};\nexport default definePipeline({ name: 'churn', train: step('train', 'x'), deploy: [{ env: 'production', target: 'sagemaker' }] });\n`);
  // No stack runs and none is configured: the check must come first, so no workflow can have started.
  const env = { TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_HOME: join(dir, '.ferry'), ...complete };

  it('exits 2 at submission with one line naming the missing variable', async () => {
    const result = await runFerry(['run', 'churn.ts'], { cwd: dir, env: { ...env, FERRY_SAGEMAKER_ROLE_ARN: '' } });
    expect(result.stderr).toMatch(/^ferry: churn\.ts: deploy\[0\] \(production\): target 'sagemaker' needs FERRY_SAGEMAKER_ROLE_ARN: the execution role SageMaker models run as \(arn:aws:iam::<account>:role\/<name>\); set it in the workers' environment\n$/);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  });
});
