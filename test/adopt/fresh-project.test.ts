/**
 * A team adopts Ferry in its own repository, as a new user would, with nothing but the published package: `npm pack`
 * this checkout, install the tarball into a new git repository, `npx ferry init --python`, commit, start the stack,
 * `npx ferry run … --wait`, approve with `ferry approve`, and get a prediction from the scikit-learn model the
 * scaffolded train.py trained, served by MLServer behind Ferry's model server. Then README's "Writing a pipeline"
 * snippet, pasted into the same project, runs as written. Real npm, git, Temporal dev server, PGlite, pip, MLServer.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesMentioning, waitFor } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'ferry-adopt-'));
const project = join(work, 'churn-model');
const home = join(project, '.ferry');
// The user's shell: no stack configured, Ferry's defaults.
const env = { ...process.env, TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_HOME: home, FERRY_TOKEN: '', npm_config_audit: 'false', npm_config_fund: 'false' };

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the project to completion. */
function sh(cmd: string, args: string[], extra: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: project, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const ferry = (token: string, ...args: string[]) => sh('npx', ['ferry', ...args], { FERRY_TOKEN: token });
const git = (...args: string[]) => execFileSync('git', args, { cwd: project, stdio: 'pipe' });

/** The fenced ts block under README's "Writing a pipeline". */
export function readmeSnippet(readme: string): string {
  const section = readme.split(/^## Writing a pipeline$/m)[1]?.split(/^## /m)[0];
  const block = section && /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```ts block under "## Writing a pipeline"');
  return block;
}

describe('a new repository adopts Ferry from its package', () => {
  let dev: ChildProcess | undefined;
  let devOutput = '';
  let tokens: { engineer: string; approver: string };

  beforeAll(async () => {
    mkdirSync(project);
    execFileSync('npm', ['pack', '--pack-destination', work], { cwd: root, stdio: 'pipe', env });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'team@churn.invalid');
    git('config', 'user.name', 'Churn Team');
    const install = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)]);
    expect(install.code, install.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((r) => dev!.once('exit', r));
      try {
        process.kill(-dev.pid!, 'SIGINT');
        await exited;
      } catch {
        // the process group is already gone (the last test stopped it)
      }
    }
  }, 120_000);

  it('installs a working ferry bin and scaffolds a Python project with ferry init --python', async () => {
    const version = await ferry('', '--version');
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    const init = await ferry('', 'init', '--python');
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('npx ferry run pipelines/churn-model.ts --wait');
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'))).toMatchObject({ type: 'module', dependencies: { ferry: expect.stringMatching(/\.tgz$/) } });
    git('add', '-A');
    git('commit', '-q', '-m', 'Ferry project');
  }, 120_000);

  it('starts the stack, runs the pipeline with --wait, is approved with ferry approve, and serves the trained model', async () => {
    // Its own process group, as in a terminal: Ctrl-C (SIGINT to the group) reaches `ferry dev` under npx's shell.
    dev = spawn('npx', ['ferry', 'dev'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    dev.stdout!.setEncoding('utf8').on('data', (c: string) => (devOutput += c));
    dev.stderr!.setEncoding('utf8').on('data', (c: string) => (devOutput += c));
    await waitFor(() => (devOutput.includes('Ctrl-C') ? true : dev!.exitCode !== null ? Promise.reject(new Error(devOutput)) : undefined), 300_000, 'ferry dev');
    // The hint names this project's pipeline, not one of Ferry's own examples.
    expect(devOutput).toContain('In another terminal: npx ferry run pipelines/churn-model.ts --wait');
    const serveUrl = /Model server\s+(http:\/\/\S+)/.exec(devOutput)![1]!;

    const admin = await ferry('', 'users', 'add', 'root');
    expect(admin.code, admin.stderr).toBe(0);
    tokens = {
      engineer: (await ferry(admin.stdout.trim(), 'users', 'add', 'erin', '--role', 'engineer')).stdout.trim(),
      approver: (await ferry(admin.stdout.trim(), 'users', 'add', 'alice', '--role', 'approver')).stdout.trim(),
    };

    // `ferry run --wait` in the foreground, as typed; it stops at the approval and says how to give it.
    let runOutput = '';
    const run = spawn('npx', ['ferry', 'run', 'pipelines/churn-model.ts', '--wait'], { cwd: project, env: { ...env, FERRY_TOKEN: tokens.engineer }, stdio: ['ignore', 'pipe', 'pipe'] });
    run.stdout.setEncoding('utf8').on('data', (c: string) => (runOutput += c));
    run.stderr.setEncoding('utf8').on('data', (c: string) => (runOutput += c));
    const exited = new Promise<number | null>((r) => run.once('exit', r));
    const approveLine = await waitFor(
      () => /to approve: .* npx ferry approve (\S+) --env production/.exec(runOutput) ?? (run.exitCode !== null ? Promise.reject(new Error(runOutput)) : undefined),
      900_000,
      'the run to wait for approval',
    );
    for (const stage of ['integrate', 'build', 'train', 'evaluate', 'register']) expect(runOutput).toMatch(new RegExp(`succeeded ${stage}`));
    const approved = await ferry(tokens.approver, 'approve', approveLine[1]!, '--env', 'production', '--comment', 'metrics reviewed');
    expect(approved.code, approved.stderr).toBe(0);
    expect(await exited, runOutput).toBe(0);
    expect(runOutput).toMatch(/succeeded deploy:production/);

    // A prediction from the served model, and it is the model train.py wrote: the registered artifact, loaded with
    // the step's own venv, predicts the same.
    const rows = [
      { tenure_months: 2, monthly_charges: 110, support_calls: 5 },
      { tenure_months: 70, monthly_charges: 25, support_calls: 0 },
    ];
    const response = await fetch(`${serveUrl}/v1/models/churn-model/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: rows }) });
    const served = (await response.json()) as { version: number; outputs: { predict: number }[] };
    expect(response.status, JSON.stringify(served)).toBe(200);
    expect(served.version).toBe(1);
    const model = JSON.parse((await ferry(tokens.engineer, 'model', 'churn-model@production', '--format', 'json')).stdout) as { artifact: { uri: string } };
    const venv = readdirSync(join(process.env.FERRY_CACHE ?? join(process.env.HOME!, '.cache', 'ferry'), 'venv'));
    const python = venv.map((v) => join(process.env.FERRY_CACHE ?? join(process.env.HOME!, '.cache', 'ferry'), 'venv', v, 'bin', 'python'));
    const script = `import joblib,json,sys,pandas as pd; m=joblib.load(sys.argv[1]); print(json.dumps([int(p) for p in m.predict(pd.DataFrame(json.loads(sys.argv[2])))]))`;
    const local = python
      .map((p) => {
        try {
          return execFileSync(p, ['-c', script, join(fileURLToPath(model.artifact.uri), 'model.joblib'), JSON.stringify(rows)], { encoding: 'utf8', stdio: 'pipe' });
        } catch {
          return undefined;
        }
      })
      .find((out) => out !== undefined);
    expect(JSON.parse(local!)).toEqual(served.outputs.map((o) => Number(o.predict)));
    expect(served.outputs.map((o) => Number(o.predict))).toEqual([1, 0]);
  }, 1_500_000);

  it("runs README's \"Writing a pipeline\" snippet as written, pasted into the project", async () => {
    const snippet = readmeSnippet(readFileSync(join(root, 'README.md'), 'utf8'));
    const file = /^\/\/ (pipelines\/[a-z-]+\.ts)$/m.exec(snippet)?.[1];
    expect(file).toBeDefined();
    writeFileSync(join(project, file!), snippet);
    git('add', '-A');
    git('commit', '-q', '-m', 'README pipeline');
    const check = await ferry(tokens.engineer, 'policy', 'check', file!);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    const started = await ferry(tokens.engineer, 'run', file!, '--format', 'json');
    expect(started.code, started.stderr).toBe(0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    // It trains, evaluates and registers, then waits for its first approval: as far as it goes without a person.
    const waiting = await waitFor(async () => {
      const status = JSON.parse((await ferry(tokens.engineer, 'status', workflowId, '--format', 'json')).stdout) as { run: { status: string; error?: string } };
      if (status.run.status === 'failed') throw new Error(`the README pipeline failed: ${status.run.error}`);
      return status.run.status === 'waiting' ? status : undefined;
    }, 900_000, 'the README pipeline to wait for approval');
    expect(waiting.run.status).toBe('waiting');
    const cancelled = await ferry(tokens.engineer, 'cancel', workflowId, '--wait', '60');
    expect(cancelled.code, cancelled.stderr).toBe(0);
  }, 1_200_000);

  it('leaves no process behind when ferry dev stops', async () => {
    process.kill(-dev!.pid!, 'SIGINT');
    await new Promise((r) => (dev!.exitCode !== null ? r(null) : dev!.once('exit', r)));
    await waitFor(async () => ((await processesMentioning(home)).length === 0 ? true : undefined), 60_000, 'no process mentioning the project home');
  }, 120_000);
});
