import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeWindow } from '../../activities/monitor-metrics.js';
import type { MonitorSpec } from '../../src/core/spec.js';
import { monitorChecks } from '../../src/db/schema/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { ferryOnDatabase } from '../helpers/cli.js';

// `ferry monitor history` over checks judged by the monitor's own rule code (judgeWindow) and stored as the monitor
// stores them: an enforced accuracy bound and a shadow log-loss bound that only records what it would have done.
const spec = { minMetric: { metric: 'accuracy', min: 0.5 }, maxMetric: { metric: 'log_loss', max: 0.3, shadow: true }, scoreField: 'probabilities' } as unknown as MonitorSpec;
const good = Array.from({ length: 20 }, (_, i) => ({ outputs: { label: i % 2 ? 'big' : 'small', probabilities: { big: i % 2 ? 0.99 : 0.01, small: i % 2 ? 0.01 : 0.99 } }, label: i % 2 ? 'big' : 'small' }));
const unsure = good.map((r, i) => ({ ...r, outputs: { ...r.outputs, probabilities: { big: i % 2 ? 0.6 : 0.4, small: i % 2 ? 0.4 : 0.6 } } }));

describe.each(backends().slice(0, 1))('ferry monitor history ($name)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backend.create();
    for (const [i, rows] of [good, unsure].entries()) {
      const metrics = judgeWindow(spec, rows, 'label');
      await database.db.insert(monitorChecks).values({ model: 'hist', env: 'production', version: 1, kind: 'performance', result: { metrics }, breached: metrics.some((v) => v.breached && !v.shadow), idempotencyKey: `hist:${i}` });
    }
  });
  afterAll(async () => {
    await database?.close();
  });

  it('--json lists each check newest first with every rule value, and a shadow rule breached says "would act" without a breach', async () => {
    const out = await ferryOnDatabase(['monitor', 'history', 'hist', '--env', 'production', '--json'], database.url);
    expect(out.code, out.stderr).toBe(0);
    const checks = JSON.parse(out.stdout) as { at: string; breached: boolean; rules: { rule: string; value: number; shadow: boolean; outcome: string }[] }[];
    expect(checks).toHaveLength(2);
    expect(Number.isNaN(Date.parse(checks[0]!.at))).toBe(false);
    const [unsureCheck, goodCheck] = checks;
    expect(unsureCheck!.breached).toBe(false);
    expect(unsureCheck!.rules).toEqual([
      expect.objectContaining({ rule: 'accuracy', value: 1, shadow: false, outcome: 'pass' }),
      expect.objectContaining({ rule: 'log_loss', shadow: true, outcome: 'would act', value: expect.closeTo(-Math.log(0.6), 6) }),
    ]);
    expect(goodCheck!.rules[1]).toMatchObject({ shadow: true, outcome: 'would pass', value: expect.closeTo(-Math.log(0.99), 6) });
  });

  it('the table shows the shadow rule marked and what it would have done', async () => {
    const out = await ferryOnDatabase(['monitor', 'history', 'hist', '--env', 'production'], database.url);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/\[shadow\] log_loss 0\.511 \(≤ 0\.3\): would act/);
    expect(out.stdout).toMatch(/accuracy 1\.000 \(≥ 0\.5\): pass/);
  });

  it('a bad --limit is refused in one line naming the option, exit 2', async () => {
    const out = await ferryOnDatabase(['monitor', 'history', 'hist', '--limit', 'many'], database.url);
    expect(out.code).toBe(2);
    expect(out.stderr.trim()).toMatch(/^.*--limit many: expected a whole number ≥ 1$/);
  });
});
