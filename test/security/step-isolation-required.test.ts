import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireStepIsolation } from '../../src/worker-host.js';
import { runFerry } from '../helpers/cli.js';

// #14 build 3: in production mode (TEMPORAL_ADDRESS set) steps run isolated from the worker process, or the operator
// says explicitly that they do not.
const home = mkdtempSync(join(tmpdir(), 'ferry-step-isolation-'));
const cluster = { TEMPORAL_ADDRESS: '127.0.0.1:1', FERRY_HOME: join(home, '.ferry'), FERRY_VERIFY_KEY: `ed25519:${'0'.repeat(32)}`, DATABASE_URL: '' };
const ferryLines = (stderr: string) => stderr.trim().split('\n').filter((l) => !/^\(node:|^\s|^$|NodeVersionSupportWarning|Use `node --trace/.test(l));

describe('steps isolated from a production worker (FERRY_STEP_USER)', () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('ferry worker on a Temporal cluster without FERRY_STEP_USER refuses to start: exit 2, one line naming the variable and the fix', async () => {
    const { code, stderr } = await runFerry(['worker'], { cwd: home, env: { ...cluster, FERRY_STEP_USER: '', FERRY_STEP_ISOLATION: '' } });
    expect(code).toBe(2);
    const lines = ferryLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/FERRY_STEP_USER is not set: a worker on a shared Temporal cluster \(TEMPORAL_ADDRESS=127\.0\.0\.1:1\).*set FERRY_STEP_USER to an unprivileged user \(e\.g\. nobody\).*or set FERRY_STEP_ISOLATION=none/);
  }, 180_000);

  it('FERRY_STEP_ISOLATION=none lets it go past the check with a warning at start; other values are refused naming the variable', async () => {
    const optedOut = await runFerry(['worker'], { cwd: home, env: { ...cluster, FERRY_STEP_USER: '', FERRY_STEP_ISOLATION: 'none' } });
    expect(optedOut.stderr).toMatch(/^warning: FERRY_STEP_ISOLATION=none: command steps run as this worker's own user/m);
    expect(optedOut.stderr).not.toMatch(/FERRY_STEP_USER is not set/);
    const wrong = await runFerry(['worker'], { cwd: home, env: { ...cluster, FERRY_STEP_USER: '', FERRY_STEP_ISOLATION: 'off' } });
    expect(wrong.code).toBe(2);
    expect(ferryLines(wrong.stderr)[0]).toMatch(/^.*environment variable FERRY_STEP_ISOLATION: .*none.*; fix or unset it$/);
  }, 180_000);

  it('the embedded default (no TEMPORAL_ADDRESS) and a worker with FERRY_STEP_USER need no opt-out', () => {
    expect(requireStepIsolation({})).toEqual({});
    expect(requireStepIsolation({ TEMPORAL_ADDRESS: 'temporal.internal:7233', FERRY_STEP_USER: 'nobody' })).toEqual({});
    expect(requireStepIsolation({ TEMPORAL_ADDRESS: 'temporal.internal:7233', FERRY_STEP_ISOLATION: 'none' }).warning).toMatch(/set FERRY_STEP_USER in production/);
  });
});
