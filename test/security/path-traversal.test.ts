import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets, stepRuns } from '../../src/db/schema/index.js';
import { command, definePipeline } from '../../src/dsl/define.js';
import { parsePipeline, type LoadedPipeline } from '../../src/dsl/load.js';
import type { PipelineSpec } from '../../src/core/spec.js';
import { canonicalHash } from '../../src/dsl/hash.js';
import { rootMessage, UsageError } from '../../src/core/errors.js';
import { startRun } from '../../src/runs/start.js';
import { checkSubmission } from '../../src/runs/submit.js';
import { runFerry } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

// Attack #11 of the red-team pass: a dataset path `../../../../../../etc/passwd` was hashed and recorded, and a command
// step with `outputs: '../../../victim'` deleted a directory outside its workspace. Paths must stay inside the
// workspace: refused at submission (exit 2, naming the field) and again in the activity, symlinks included.

const [backend] = backends();
const src = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));

/** A victim directory outside every workspace, with a file the attack would delete. */
function victim(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-victim-'));
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'keep.txt'), 'still here\n');
  return { dir, file: join(dir, 'model', 'keep.txt') };
}

/** The root message of a run that must fail (a run that succeeds fails the test). */
async function failureOf(handle: { result(): Promise<unknown> }): Promise<string> {
  const outcome = await handle.result().then(
    (result) => ({ result }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`the run succeeded: ${JSON.stringify(outcome.result)}`);
  return rootMessage(outcome.err);
}

/** A pipeline object that skips `parsePipeline`, as a client starting the workflow straight in Temporal would. */
function unchecked(spec: Record<string, unknown>): LoadedPipeline {
  const full = { apiVersion: 'ferry/v1', repo: { path: '.', ref: 'HEAD', allowDirty: false }, datasets: [], params: {}, seed: 0, on: {}, build: [], deploy: [], ...spec } as unknown as PipelineSpec;
  return { file: 'attack.ts', spec: full, specHash: canonicalHash(full) };
}

describe('paths stay inside the workspace', () => {
  describe('at submission', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-traversal-cli-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'dataset.ts'), `import { definePipeline, command } from ${src};\nexport default definePipeline({ name: 'steal', datasets: [{ name: 'passwd', path: '../../../../../../etc/passwd' }], build: [command('noop', 'true')] });\n`);
    writeFileSync(join(dir, 'outputs.ts'), `import { definePipeline, command } from ${src};\nexport default definePipeline({ name: 'wipe', build: [command('wipe', 'true', { outputs: '../../../victim' })] });\n`);
    writeFileSync(join(dir, 'absolute.ts'), `import { definePipeline, command } from ${src};\nexport default definePipeline({ name: 'abs', datasets: [{ name: 'shadow', path: '/etc/shadow' }], build: [command('noop', 'true')] });\n`);
    // No stack runs: the definition must be refused before Ferry looks for one.
    const env = { TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_HOME: join(dir, '.ferry') };

    it('refuses a dataset path that climbs out of the repository, exit 2 naming datasets[0].path', async () => {
      const result = await runFerry(['run', 'dataset.ts'], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/dataset\.ts: datasets\[0\]\.path: "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" leaves the workspace/);
    });

    it('refuses command outputs that climb out of the workspace, exit 2 naming build[0].outputs', async () => {
      const result = await runFerry(['run', 'outputs.ts'], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/outputs\.ts: build\[0\]\.outputs: "\.\.\/\.\.\/\.\.\/victim" leaves the workspace/);
    });

    it('refuses an absolute dataset path, exit 2 naming datasets[0].path', async () => {
      const result = await runFerry(['run', 'absolute.ts'], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/absolute\.ts: datasets\[0\]\.path: "\/etc\/shadow" is absolute/);
    });

    it('refuses outputs that are the workspace itself (the step would wipe the checkout)', () => {
      expect(() => parsePipeline(definePipeline({ name: 'root', build: [command('wipe', 'true', { outputs: 'x/..' })] }), 'root.ts')).toThrow(/build\[0\]\.outputs: "x\/\.\." is the workspace itself/);
    });

    it('still accepts ordinary relative paths, `..` that stays inside included', () => {
      const loaded = parsePipeline(definePipeline({ name: 'fine', datasets: [{ name: 'train', path: 'data/../data/train.csv' }], build: [command('b', 'true', { outputs: './out/model' })] }), 'fine.ts');
      expect(loaded.spec.datasets[0]!.path).toBe('data/../data/train.csv');
    });
  });

  describe('with symbolic links, at submission and in the activities', () => {
    let database: TestDatabase;
    let temporal: Awaited<ReturnType<typeof testClient>>;
    const taskQueue = uniqueQueue('traversal');

    beforeAll(async () => {
      database = await backend!.create();
      temporal = await testClient();
    });
    afterAll(async () => {
      await temporal?.close();
      await database?.close();
    });

    it('refuses at submission a dataset that is a symlink to a file outside the repository', async () => {
      const repo = makeRepo({ 'README.md': 'x\n' }, { 'data/train.csv': '/etc/passwd' });
      const loaded = parsePipeline(definePipeline({ name: 'linked', datasets: [{ name: 'train', path: 'data/train.csv' }], build: [command('noop', 'true')] }), 'linked.ts');
      const refused = await checkSubmission(database.db, loaded, 'alice', repo).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(UsageError);
      expect((refused as UsageError).message).toMatch(/^linked\.ts: datasets\[0\]\.path: "data\/train\.csv" resolves outside the repository \(to \/etc\/passwd\)/);
    });

    /** Runs `loaded` on a worker whose pipelines live in `repo`; returns the run's id and why it failed. */
    async function failedRun(repo: string, loaded: LoadedPipeline): Promise<{ workflowId: string; message: string }> {
      const worker = await startTestWorker({ db: database.db, taskQueue, cwd: repo });
      try {
        const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test', triggeredBy: 'alice' });
        return { workflowId: handle.workflowId, message: await failureOf(handle) };
      } finally {
        await worker.stop();
      }
    }

    it('fails the run at integrate, naming the field, when a dataset symlink leads outside — and records no hash of it', async () => {
      const repo = makeRepo({ 'README.md': 'x\n' }, { 'data/train.csv': '/etc/passwd' });
      const loaded = parsePipeline(definePipeline({ name: 'linked-run', datasets: [{ name: 'stolen', path: 'data/train.csv' }], build: [command('noop', 'true')] }), 'linked-run.ts');
      const { message } = await failedRun(repo, loaded);
      expect(message).toMatch(/datasets\[0\]\.path: "data\/train\.csv" resolves outside the workspace/);
      expect(await database.db.select().from(datasets).where(eq(datasets.name, 'stolen'))).toEqual([]);
    });

    it('fails a run started straight in Temporal with a `..` dataset path before anything is hashed', async () => {
      const { message } = await failedRun(makeRepo({ 'README.md': 'x\n' }), unchecked({ name: 'direct', datasets: [{ name: 'passwd', path: '../../../../../../etc/passwd' }] }));
      expect(message).toMatch(/invalid pipeline spec: datasets\.0\.path: "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" leaves the workspace/);
      expect(await database.db.select().from(datasets).where(eq(datasets.name, 'passwd'))).toEqual([]);
    });

    it('refuses command outputs that reach outside through a committed symlink, and deletes nothing there', async () => {
      const target = victim();
      const repo = makeRepo({ 'README.md': 'x\n' }, { out: target.dir });
      const loaded = parsePipeline(definePipeline({ name: 'wipe', build: [command('wipe', 'echo ran > "$FERRY_OUTPUT_DIR/marker"', { outputs: 'out/model' })] }), 'wipe.ts');
      const { workflowId, message } = await failedRun(repo, loaded);
      expect(message).toMatch(/step "wipe": outputs: "out\/model" resolves outside the workspace/);
      expect(readFileSync(target.file, 'utf8')).toBe('still here\n');
      const [row] = await database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, workflowId));
      expect(row).toMatchObject({ step: 'wipe', status: 'failed' });
    });

    it('refuses outputs a previous step turned into a symlink out of the workspace', async () => {
      const target = victim();
      const loaded = parsePipeline(definePipeline({ name: 'relink', build: [command('plant', `ln -s ${target.dir} planted`), command('wipe', 'true', { outputs: 'planted/model' })] }), 'relink.ts');
      const { message } = await failedRun(makeRepo({ 'README.md': 'x\n' }), loaded);
      expect(message).toMatch(/step "wipe": outputs: "planted\/model" resolves outside the workspace/);
      expect(existsSync(target.file)).toBe(true);
    });

    it('does not store a model that the step made a symlink to a file outside the workspace', async () => {
      const loaded = parsePipeline(definePipeline({ name: 'exfil', build: [command('exfil', 'ln -s /etc/passwd out/model', { outputs: 'out' })] }), 'exfil.ts');
      const { message } = await failedRun(makeRepo({ 'README.md': 'x\n' }), loaded);
      expect(message).toMatch(/step "exfil": outputs: "out\/model" resolves outside the workspace/);
    });
  });
});
