import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { StoredArtifact } from '../src/artifacts/store.js';
import { stepRuns } from '../src/db/schema/index.js';
import type { StepResult } from '../src/dsl/ferry-config.js';
import type { StepSpec } from '../src/core/spec.js';
import { FerryError } from '../src/core/errors.js';
import { checkoutCommit } from '../src/git-remote.js';
import { ensureVenv } from '../src/provision/python-venv.js';
import { resolveInside } from '../src/workspace-paths.js';
import type { ActivityDeps } from './deps.js';
import { createRunActivities, type RunProgress } from './runs.js';
import { prepareStepPaths, reclaimStepPaths, redactSecrets, secretValues, stepSpawn } from './step-isolation.js';
import { workspacePath } from './integrate.js';
import { inheritedEnv } from '../src/settings.js';
import { declaredParams, fetchPrevious, outputsPath, pythonEnvironment, shq, stepContract, stepEnvironment, tail } from './step-support.js';
import { Failure, FerryFailure } from '../src/core/failures.js';
import { firstIssue, joinPath } from '../src/dsl/issues.js';

export interface StepOutput {
  metrics: Record<string, number>;
  artifacts: Record<string, StoredArtifact>;
  /** The step function's other JSON fields. */
  result: Record<string, unknown>;
  /** What the step ran on beyond the checkout's fingerprint: its Python (version, venv, `pip freeze` hash). */
  environment?: Record<string, unknown>;
}

export interface RunStepInput {
  workflowId: string;
  stage: string;
  step: StepSpec;
  repo: string;
  commit: string;
  datasets: { name: string; path: string; sha256: string }[];
  pipelineParams: Record<string, string | number | boolean>;
  seed: number;
  previous: Record<string, StepOutput>;
  /** The stage's run-row update, when this is the stage's first step (absent in runs recorded before `compact-history`). */
  progress?: RunProgress;
}

const metricsFileSchema = z.record(z.string(), z.number());
const hasSetpriv = process.platform === 'linux' && existsSync('/usr/bin/setpriv');


/** Beside a step's output directory: the command exited 0 (a retry after the worker died keeps its work). */
const exitedMarker = (outputDir: string) => join(outputDir, '..', 'exited-0');

export function createStepActivities(deps: ActivityDeps) {
  const { db, store, config, home } = deps;
  const { recordRunProgress } = createRunActivities(deps);
  // Read once: a step's log and error never show the values of the worker's secret variables.
  const secrets = secretValues(inheritedEnv());

  async function record(input: RunStepInput, values: { status: string; output?: unknown; error?: string; durationMs?: number }) {
    const attempt = Context.current().info.attempt;
    const finished = values.status !== 'running';
    await db
      .insert(stepRuns)
      .values({ workflowId: input.workflowId, step: input.step.id, stage: input.stage, status: values.status, attempts: attempt })
      .onConflictDoUpdate({
        target: [stepRuns.workflowId, stepRuns.step],
        set: {
          status: values.status,
          attempts: attempt,
          output: values.output ?? null,
          error: values.error ?? null,
          durationMs: values.durationMs ?? null,
          finishedAt: finished ? sql`now()` : null,
        },
      });
  }

  async function storeArtifacts(outputDir: string, named: Record<string, string>): Promise<Record<string, StoredArtifact>> {
    const stored: Record<string, StoredArtifact> = {};
    for (const [name, file] of Object.entries(named)) {
      const path = resolve(outputDir, file);
      if (!existsSync(path)) throw new FerryFailure(Failure.StepOutputError, `artifact "${name}" (${file}) was not written to the output directory`);
      stored[name] = await store.put(path);
    }
    return stored;
  }

  async function runFunction(input: RunStepInput & { step: Extract<StepSpec, { kind: 'function' }> }, workspace: string, outputDir: string): Promise<StepOutput> {
    const definition = config.steps.get(input.step.fn);
    if (!definition) {
      const known = [...config.steps.keys()].join(', ') || 'none';
      throw new FerryFailure(Failure.StepNotFound, `step "${input.step.id}": function "${input.step.fn}" is not registered in ferry.config.ts on this worker (registered: ${known})`);
    }
    // A step receives the pipeline params its schema declares (so `--param trees=80` reaches it), under its own.
    const declared = declaredParams(definition.params);
    const inherited = Object.fromEntries(Object.entries(input.pipelineParams).filter(([key]) => declared.includes(key)));
    const params = definition.params.safeParse({ ...inherited, ...input.step.params });
    if (!params.success) {
      const issue = firstIssue(params.error, { ...inherited, ...input.step.params });
      throw new FerryFailure(Failure.InvalidParams, `step "${input.step.id}": ${joinPath('params', issue.path)}: ${issue.message}`);
    }
    const ctx = Context.current();
    const local = await fetchPrevious(store, input.previous);
    const result: StepResult =
      (await definition.run(
        {
          workflowId: input.workflowId,
          stepId: input.step.id,
          workspace,
          commit: input.commit,
          datasets: Object.fromEntries(input.datasets.map((d) => [d.name, { path: join(workspace, d.path), sha256: d.sha256 }])),
          pipelineParams: input.pipelineParams,
          seed: input.seed,
          outputDir,
          previous: Object.fromEntries(
            Object.entries(input.previous).map(([id, out]) => [
              id,
              {
                metrics: out.metrics,
                result: out.result,
                artifacts: Object.fromEntries(Object.entries(out.artifacts).map(([name, a]) => [name, { ...a, path: local[id]![name]! }])),
              },
            ]),
          ),
          heartbeat: (progress) => ctx.heartbeat(progress),
        },
        params.data,
      )) ?? {};
    const { metrics = {}, artifacts = {}, ...rest } = result;
    return { metrics, artifacts: await storeArtifacts(outputDir, artifacts), result: rest };
  }

  async function runCommand(input: RunStepInput & { step: Extract<StepSpec, { kind: 'command' }> }, workspace: string, outputDir: string, resumed: boolean): Promise<StepOutput> {
    const ctx = Context.current();
    const logPath = join(outputDir, '..', `${input.step.id}.log`);
    const outputs = input.step.outputs ? outputsPath(input.step, workspace, input.step.outputs) : undefined;
    if (outputs && !resumed) {
      rmSync(outputs, { recursive: true, force: true });
      mkdirSync(outputs, { recursive: true });
    }
    const contract = await stepContract(store, input, workspace, outputs ?? outputDir, logPath);
    let venv: { hash: string; requirements: string; requirementsSha256: string } | undefined;
    if (input.step.requirements) {
      const inside = resolveInside(workspace, input.step.requirements);
      if (!inside.ok) throw new FerryFailure(Failure.StepOutputError, `step "${input.step.id}": requirements: ${inside.problem}`);
      const built = await ensureVenv({ requirementsFile: inside.path }, { log: (line) => ctx.heartbeat(line) }).catch((err: Error) => {
        throw new FerryFailure(Failure.PythonEnvironmentError, `step "${input.step.id}": ${err.message}`);
      });
      contract.VIRTUAL_ENV = built.dir;
      contract.PATH = `${join(built.dir, 'bin')}:${inheritedEnv().PATH ?? '/usr/bin:/bin'}`;
      venv = { hash: built.hash, requirements: input.step.requirements, requirementsSha256: createHash('sha256').update(readFileSync(inside.path)).digest('hex') };
    }
    const isolated = deps.stepUser;
    const env = { ...stepEnvironment(inheritedEnv()), ...(isolated ? { HOME: workspace, USER: isolated.name, LOGNAME: isolated.name } : {}), ...input.step.env, ...contract };
    if (isolated) prepareStepPaths(isolated, home, [workspace, outputDir, ...(outputs ? [outputs] : [])]);
    let captured = '';
    let stderr = '';
    const code = resumed ? 0 : await new Promise<number | null>((resolvePromise, reject) => {
      // 0600: a step's output may hold what it printed about its data; only the worker's user reads it.
      const log = createWriteStream(logPath, { mode: 0o600 });
      // Own process group, and TERM when the worker dies (pdeathsig): the trap takes the whole group down, so a
      // killed worker leaves no half-run command behind to finish its side effects after the retry starts.
      const script = `trap 'trap - TERM; kill 0' TERM; ${input.step.run} & wait $!`;
      // No default namespace sandbox (step-sandbox.ts): under it a step outlived its SIGKILLed worker. FERRY_STEP_USER isolates.
      const how = stepSpawn(script, isolated, hasSetpriv);
      const child = spawn(how.file, how.args, {
        detached: true,
        cwd: workspace,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const onData = (chunk: Buffer) => {
        const text = redactSecrets(chunk.toString('utf8'), secrets);
        log.write(text);
        captured = (captured + text).slice(-20_000);
        return text;
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + onData(chunk)).slice(-20_000);
      });
      // Beat well inside the heartbeat timeout, so a dead worker is noticed quickly and a live one never is.
      const beat = setInterval(() => ctx.heartbeat(), Math.min(5_000, (ctx.info.heartbeatTimeoutMs ?? 10_000) / 3));
      const abort = () => {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      };
      ctx.cancellationSignal.addEventListener('abort', abort);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearInterval(beat);
        ctx.cancellationSignal.removeEventListener('abort', abort);
        // Written the moment the command is done, before anything that a killed worker would have to redo.
        if (exitCode === 0) writeFileSync(exitedMarker(outputDir), '');
        log.end(() => resolvePromise(exitCode));
      });
    });
    if (isolated) reclaimStepPaths([workspace, outputDir, ...(outputs ? [outputs] : [])]);
    const logArtifact = await store.put(logPath);
    if (code !== 0) {
      // A non-zero exit is the command's own verdict: retried only while `retries` allows (infrastructure failures
      // are retried by the activity's retry policy regardless). The rerun line carries the step's contract, so it
      // runs the same way in a terminal.
      const rerun = `cd ${shq(workspace)} && env ${Object.entries({ ...input.step.env, ...contract }).map(([k, v]) => `${k}=${shq(v)}`).join(' ')} sh -c ${shq(input.step.run)}`;
      const message = `step "${input.step.id}": \`${input.step.run}\` exited ${code} (attempt ${ctx.info.attempt}); log ${logPath}; last lines of ${stderr.trim() ? 'stderr' : 'its output'}:\n${tail(stderr.trim() ? stderr : captured)}\nrerun it locally with: ${rerun}`;
      throw new FerryFailure(Failure.CommandFailed, message, { final: ctx.info.attempt > input.step.retries });
    }
    let metrics: Record<string, number> = {};
    const artifacts: Record<string, StoredArtifact> = { log: logArtifact };
    if (outputs && input.step.outputs) {
      // The command may have replaced these with links out of the workspace (e.g. model -> /etc/passwd).
      const metricsPath = outputsPath(input.step, workspace, join(input.step.outputs, 'metrics.json'));
      if (existsSync(metricsPath)) {
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(metricsPath, 'utf8'));
        } catch {
          json = undefined;
        }
        const parsed = metricsFileSchema.safeParse(json);
        if (!parsed.success) throw new FerryFailure(Failure.StepOutputError, `step "${input.step.id}": ${input.step.outputs}/metrics.json must be a flat object of numbers, e.g. {"accuracy": 0.93}`);
        metrics = parsed.data;
      }
      const model = outputsPath(input.step, workspace, join(input.step.outputs, 'model'));
      if (existsSync(model)) artifacts.model = await storeOutput(input.step, model);
      for (const [name, path] of Object.entries(input.step.artifacts ?? {})) {
        const file = outputsPath(input.step, workspace, join(input.step.outputs, path));
        if (!existsSync(file)) throw new FerryFailure(Failure.StepOutputError, `step "${input.step.id}": artifact "${name}" (${input.step.outputs}/${path}) was not written; write it or drop it from artifacts`);
        artifacts[name] = await storeOutput(input.step, file);
      }
    }
    const python = await pythonEnvironment(env, venv);
    return { metrics, artifacts, result: {}, ...(python ? { environment: { python } } : {}) };
  }

  /** Stores a file or directory the step wrote, a bad directory (a link inside it) failing the step by name. */
  async function storeOutput(step: { id: string }, path: string): Promise<StoredArtifact> {
    try {
      return await store.put(path);
    } catch (err) {
      if (err instanceof FerryError) throw new FerryFailure(Failure.StepOutputError, `step "${step.id}": ${err.message}`);
      throw err;
    }
  }

  return {
    /** Runs one declared step (function or command) in the run's workspace and records it in `step_runs`. */
    async runStep(input: RunStepInput): Promise<StepOutput> {
      const started = Date.now();
      const workspace = workspacePath(home, input.workflowId);
      await checkoutCommit(home, input.repo, workspace, input.commit);
      const outputDir = join(home, 'runs', input.workflowId, input.step.id, 'out');
      // A command that exited 0 before its worker died is not run again by the retry: its outputs are kept and only
      // the bookkeeping after it (storing outputs, the step row) is redone (see `exitedMarker`).
      const resumed = input.step.kind === 'command' && existsSync(exitedMarker(outputDir));
      if (!resumed) {
        rmSync(outputDir, { recursive: true, force: true });
        mkdirSync(outputDir, { recursive: true });
      }
      await Promise.all([record(input, { status: 'running' }), input.progress && recordRunProgress(input.progress)]);
      try {
        const output =
          input.step.kind === 'function'
            ? await runFunction({ ...input, step: input.step }, workspace, outputDir)
            : await runCommand({ ...input, step: input.step }, workspace, outputDir, resumed);
        if (input.stage === 'evaluate' && Object.keys(output.metrics).length === 0) {
          // Otherwise the gates silently judge the train step's metrics.
          const fix = input.step.kind === 'function'
            ? 'return { metrics: { accuracy: … } } from the step function'
            : input.step.outputs
              ? `write ${input.step.outputs}/metrics.json (e.g. {"accuracy": 0.93}; $FERRY_OUTPUT_DIR/metrics.json)`
              : 'give it outputs: "out" and write out/metrics.json (e.g. {"accuracy": 0.93})';
          throw new FerryFailure(Failure.StepOutputError, `evaluate step "${input.step.id}" reported no metrics; ${fix}`);
        }
        await record(input, { status: 'succeeded', output, durationMs: Date.now() - started });
        return output;
      } catch (err) {
        await record(input, { status: 'failed', error: (err as Error).message, durationMs: Date.now() - started });
        throw err;
      }
    },
  };
}
