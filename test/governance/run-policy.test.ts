import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/db/schema/index.js';
import { runFerry } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { inject } from 'vitest';

const src = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));

// `ferry run` checks the organisation's policies before anything starts: refused by name, audited, exit 1.
describe.each(backends())('ferry run against policies ($name)', (backend) => {
  let database: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-policy-'));
  beforeAll(async () => {
    database = await backend.create();
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(join(dir, 'policies'));
    writeFileSync(
      join(dir, 'policies', 'production.ts'),
      `import { definePolicy } from ${src};
export default definePolicy({
  name: 'production-needs-no-regression',
  description: 'a pipeline that deploys to production compares with the production model',
  check: (spec) => spec.deploy.some((d) => d.env === 'production') && !spec.evaluate?.gates.some((g) => g.kind === 'no-regression')
    ? [{ message: 'deploys to production without a no-regression gate; add gate.noRegression(...)', path: 'evaluate.gates' }]
    : [],
});
`,
    );
    writeFileSync(join(dir, 'risky.ts'), `import { definePipeline, step } from ${src};\nexport default definePipeline({ name: 'risky', train: step('train', 'x'), deploy: [{ env: 'production', target: 'kubernetes' }] });\n`);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refuses a violating pipeline with the policy name, starts nothing and audits the violation', async () => {
    const env = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), FERRY_HOME: join(dir, '.ferry') };
    const run = await runFerry(['run', 'risky.ts'], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ferry: risky\.ts: policy "production-needs-no-regression": deploys to production without a no-regression gate/);
    const check = await runFerry(['policy', 'check', 'risky.ts'], { cwd: dir, env });
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain('production-needs-no-regression');
    const audited = await database.db.select().from(auditLog).where(eq(auditLog.action, 'policy.violation'));
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ subjectKind: 'pipeline', subjectId: 'risky' });
  });
});
