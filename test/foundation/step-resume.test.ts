import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepActivities, type RunStepInput, type StepOutput } from '../../activities/steps.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { commandStepSchema } from '../../src/core/spec.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { runs } from '../../src/db/schema/index.js';
import { resolveCommit } from '../../src/git.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';

// A worker SIGKILLed after a command exited 0 but before the activity reported it: Temporal retries the activity, and
// the retry must not run the command again (the crash matrix saw a finished step's side effect twice). The retry is
// played here as the same runStep input run a second time, through the SDK's activity harness.
describe.each(backends().slice(0, 1))('a command step retried after it exited 0 ($name)', (backend) => {
  let database: TestDatabase;
  let home: string;
  let effects: string;
  let input: RunStepInput;
  const run = (attempt: number) => new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') }).run(createStepActivities({ db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({}), home, cwd: home } as ActivityDeps).runStep, input) as Promise<StepOutput>;

  beforeAll(async () => {
    database = await backend.create();
    home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
    effects = join(mkdtempSync(join(tmpdir(), 'ferry-effects-')), 'effects');
    const repo = makeRepo({ 'README.md': 'x\n' });
    const step = commandStepSchema.parse({ kind: 'command', id: 'once', run: `echo ran >> ${effects} && echo '{"accuracy": 0.9}' > "$FERRY_OUTPUT_DIR/metrics.json"`, outputs: 'out' });
    await database.db.insert(runs).values({ workflowId: 'resume-1', temporalRunId: 'r', pipeline: 'p', specHash: 'h', spec: {}, trigger: 'test', status: 'running' });
    input = { workflowId: 'resume-1', stage: 'evaluate', step, repo, commit: await resolveCommit(repo, 'HEAD'), datasets: [], pipelineParams: {}, seed: 1, previous: {} };
  });
  afterAll(async () => {
    await database?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps the first run\'s outputs and log, and runs the command once', async () => {
    const first = await run(1);
    expect(first.metrics).toEqual({ accuracy: 0.9 });
    expect(existsSync(join(home, 'runs', 'resume-1', 'once', 'exited-0'))).toBe(true);
    const retried = await run(2);
    expect(readFileSync(effects, 'utf8')).toBe('ran\n');
    expect(retried.metrics).toEqual({ accuracy: 0.9 });
    expect(retried.artifacts.log?.sha256).toBe(first.artifacts.log?.sha256);
  });
});
