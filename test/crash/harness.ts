/**
 * The crash harness: takes the penguins lifecycle (two releases: approvals, canary, monitor, drift rollback) through a
 * real `ferry dev` process tree and SIGKILLs the whole tree at chosen points, restarting it each time. Kill points are
 * read off the live Temporal histories (an activity scheduled or completed, an Update accepted, a monitor generation,
 * a step being retried), so they land at activity boundaries, not at guessed times. Everything the driver does is
 * retried across a restart, as a person at the keyboard would retry it.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { productionWindow } from '../../pipelines/penguins/index.js';
import { sendLabels, sendPredictions, steadyTraffic } from '../../src/demo/traffic.js';
import { readDevState } from '../../src/stack.js';
import { processesMentioning, runFerry, startFerry, waitFor } from '../helpers/cli.js';
import { historyToJson } from '../replay/history-json.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const root = fileURLToPath(new URL('../../', import.meta.url));

/** What the watcher sees of one workflow at a poll. */
export interface Observed {
  workflowId: string;
  type: string;
  runs: number;
  events: HistoryEvent[];
  /** Attempts of pending activities (≥ 2: failing and being retried). */
  pendingAttempts: number[];
}

export interface KillPoint {
  name: string;
  /** True once the point is reached; `seen` holds every workflow of the project, newest first. */
  reached(seen: Observed[]): boolean;
  /** Wait this long after the point is reached before killing (inside a long activity). */
  delayMs?: number;
}

export interface LifecycleOutcome {
  production?: number;
  versions: { version: number; status: string }[];
  runs: { workflowId: string; status: string }[];
  audit: { code: number | null; output: string };
  effects: string[];
  kills: { point: string; atSeconds: number }[];
  /** Kill points the lifecycle never reached (a matrix that lists them must fail). */
  unreached: string[];
  wedged: string[];
  nondeterminism: string[];
  histories: { workflowId: string; json: string }[];
}

const activityName = (e: HistoryEvent, scheduled: Map<number, string>) =>
  e.activityTaskScheduledEventAttributes?.activityType?.name ?? scheduled.get(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1));

/** The n-th (1-based) pipeline run of the lifecycle. */
const pipelineRun = (seen: Observed[], n: number) => seen.filter((o) => o.type === 'pipelineRun').reverse()[n - 1];

/** A point reached when workflow `pick` has an event `kind` of activity `activity` (the n-th such). */
export function atActivity(name: string, pick: (seen: Observed[]) => Observed | undefined, kind: 'scheduled' | 'started' | 'completed', activity: string, n = 1, delayMs?: number): KillPoint {
  return {
    name,
    delayMs,
    reached(seen) {
      const wf = pick(seen);
      if (!wf) return false;
      const scheduled = new Map<number, string>();
      let count = 0;
      for (const e of wf.events) {
        if (e.activityTaskScheduledEventAttributes) scheduled.set(Number(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
        const matches =
          (kind === 'scheduled' && e.activityTaskScheduledEventAttributes) ||
          (kind === 'started' && e.activityTaskStartedEventAttributes) ||
          (kind === 'completed' && e.activityTaskCompletedEventAttributes);
        if (matches && activityName(e, scheduled) === activity && ++count >= n) return true;
      }
      return false;
    },
  };
}

export const release = (n: number) => (seen: Observed[]) => pipelineRun(seen, n);
const byType = (type: string, n = 1) => (seen: Observed[]) => seen.filter((o) => o.type === type).reverse()[n - 1];

/** The workflow's input (the first argument), decoded from its start event. */
function startInput(wf: Observed): Record<string, unknown> | undefined {
  const payload = wf.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  return payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>) : undefined;
}

/** The latest promotion into `env` of `kind` (deploy or rollback) for `version`, if it is the current run. */
const promotionOf = (env: string, kind: 'deploy' | 'rollback', version?: number) => (seen: Observed[]) =>
  seen.find((o) => {
    if (o.type !== 'promotion') return false;
    const input = startInput(o);
    return input?.env === env && input.kind === kind && (version === undefined || input.version === version);
  });

/** The kill points of the whole matrix, in the order a lifecycle reaches them. */
export const ALL_POINTS: KillPoint[] = [
  atActivity('release 1: integrate scheduled', release(1), 'scheduled', 'integrate'),
  {
    name: 'release 1: build step failing and being retried',
    reached: (seen) => (release(1)(seen)?.pendingAttempts ?? []).some((a) => a >= 2),
  },
  atActivity('release 1: inside training (1.5 s in)', release(1), 'started', 'runStep', 2, 1500),
  atActivity('release 1: evaluate finished', release(1), 'completed', 'runStep', 3),
  atActivity('release 1: registered', release(1), 'completed', 'registerModelVersion'),
  atActivity('release 1: waiting for the staging approval', release(1), 'completed', 'notifyApprovers'),
  {
    name: 'release 1: approval Update in flight',
    reached: (seen) => (release(1)(seen)?.events ?? []).some((e) => e.workflowExecutionUpdateAcceptedEventAttributes),
  },
  atActivity('release 1: staging deploy running', promotionOf('staging', 'deploy', 1), 'scheduled', 'applyRoutes'),
  {
    name: 'monitor: between continue-as-new generations',
    reached: (seen) => (byType('monitor', 1)(seen)?.runs ?? 0) >= 2,
  },
  atActivity('release 2: canary baking', promotionOf('production', 'deploy', 2), 'completed', 'checkCanaryHealth', 1, 500),
  atActivity('monitor: rolling production back', promotionOf('production', 'rollback'), 'scheduled', 'applyRoutes'),
];

/**
 * The pipeline the matrix runs: penguins with demo timings, a build step that fails its first attempt (so a kill can
 * land while it is retried), and steps that append one line to an effects file when they finish (a finished step
 * that ran twice shows up as a repeated line).
 */
function writeProject(effects: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-crash-project-'));
  execFileSync('git', ['clone', '-q', root, dir]);
  // The pipeline, its steps and the DSL come from this checkout's working tree (what is being tested); the clone only
  // holds what a run integrates (the data, at a commit).
  const src = JSON.stringify(join(root, 'src/index.ts'));
  const penguins = JSON.stringify(join(root, 'pipelines/penguins/index.ts'));
  writeFileSync(
    join(dir, 'ferry.config.ts'),
    `import { appendFileSync } from 'node:fs';
import { defineConfig, defineStep } from ${src};
import { evaluate, predictor, train } from ${penguins};

// Each step appends "<run> <step>" once it has finished: a finished step that ran again shows up twice.
const recorded = (step) => defineStep(step.name, step.params, async (ctx, params) => {
  const result = await step.run(ctx, params);
  appendFileSync(${JSON.stringify(effects)}, ctx.workflowId + ' ' + ctx.stepId + '\\n');
  return result;
});
export default defineConfig({ steps: [recorded(train), recorded(evaluate)], predictors: [predictor] });
`,
  );
  // penguins.ts with demo timings, a monitor that continues as new every 4 checks, and a build step whose first
  // attempt fails (its marker sits beside the step's output directory, so each run fails it once).
  const flaky = `command('flaky-check', 'if [ -f "$FERRY_OUTPUT_DIR/../tried" ]; then sleep 2; echo "$FERRY_OUTPUT_DIR flaky-check" >> ${effects}; else touch "$FERRY_OUTPUT_DIR/../tried"; sleep 2; exit 1; fi', { retries: 1 })`;
  const pipeline = readFileSync(join(root, 'pipelines/penguins.ts'), 'utf8')
    .replace("from '../src/index.js'", `from ${src}`)
    .replace(/build: \[(command\('check-data'[^\n]*\))\],/, (_, check: string) => `build: [${check}, ${flaky}],`)
    .replace("bake: '20s'", "bake: '4s', minRequests: 5")
    .replace(/monitor: \{ every: '1h',([^\n]*) \},\n/, (_, rest: string) => `monitor: { every: '2s',${rest}, minRows: 100, cooldown: '10m', minLabeledShare: 0.8, generationChecks: 4 },\n`);
  if (!pipeline.includes('flaky-check') || !pipeline.includes("bake: '4s'") || !pipeline.includes('generationChecks')) throw new Error('pipelines/penguins.ts changed shape: update the crash harness');
  writeFileSync(join(dir, 'pipelines/penguins-crash.ts'), pipeline);
  execFileSync('git', ['-C', dir, 'add', '-A']);
  execFileSync('git', ['-C', dir, '-c', 'user.name=crash', '-c', 'user.email=crash@ferry.invalid', 'commit', '-qm', 'crash project']);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** A failure no retry can mend (the run failed): `retrying` gives up at once. */
class Fatal extends Error {}

/**
 * Retries `fn` until it succeeds (the stack may be down for a restart), up to `timeoutMs` since it began or since the
 * stack last came back (`upSince`): a run killed four times before its approval gets the time after each restart.
 */
async function retrying<T>(what: string, fn: () => Promise<T>, timeoutMs: number, upSince: () => number): Promise<T> {
  const began = Date.now();
  let last: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Fatal) throw err;
      last = err;
    }
    if (Date.now() > Math.max(began, upSince()) + timeoutMs) throw new Error(`${what}: ${(last as Error)?.message ?? last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Runs the lifecycle once, killing `ferry dev` at each of `points` (in order, as they are reached). Returns what the
 * lifecycle left behind: the registry, the runs, the audit verdict, the effects, and every workflow's history.
 */
export async function runLifecycle(points: KillPoint[], log: (line: string) => void = (l) => process.stderr.write(`[crash] ${l}\n`)): Promise<LifecycleOutcome> {
  const home = mkdtempSync(join(tmpdir(), 'ferry-crash-home-'));
  // Outside FERRY_HOME: a command step's sandbox covers FERRY_HOME's entries (activities/step-sandbox.ts).
  const effects = `${home}-effects.txt`;
  const project = writeProject(effects);
  const env = { FERRY_HOME: home, TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_TOKEN: '', FERRY_LOG_LEVEL: 'warn' };
  const t0 = Date.now();
  const outcome: LifecycleOutcome = { versions: [], runs: [], audit: { code: null, output: '' }, effects: [], kills: [], unreached: [], wedged: [], nondeterminism: [], histories: [] };
  let output = '';
  let dev = await startFerry(['dev'], /Ctrl-C/, { cwd: project, env, timeoutMs: 180_000 });
  let client: { client: Client; close(): Promise<void> } | undefined;
  const connect = async () => {
    const state = readDevState(home);
    if (!state) throw new Error('ferry dev is not up');
    const connection = await Connection.connect({ address: state.temporalAddress, connectTimeout: '2s' });
    return { client: new Client({ connection, namespace: state.namespace }), close: () => connection.close() };
  };
  const temporalClient = async () => (client ??= await connect());
  const serveUrl = () => {
    const url = readDevState(home)?.serveUrl;
    if (!url) throw new Error('no model server yet');
    return url;
  };
  let restarting: Promise<void> | undefined;
  let upSince = Date.now();
  const retry = <T>(what: string, fn: () => Promise<T>, timeoutMs = 120_000) => retrying(what, fn, timeoutMs, () => upSince);
  const restart = async (point: string) => {
    outcome.kills.push({ point, atSeconds: Math.round((Date.now() - t0) / 100) / 10 });
    log(`kill at "${point}" (${outcome.kills.at(-1)!.atSeconds} s)`);
    output += dev.output();
    dev.child.kill('SIGKILL');
    await waitFor(async () => ((await processesMentioning(home)).filter((p) => !p.includes('vitest')).length === 0 ? true : undefined), 30_000, 'nothing left after SIGKILL');
    await client?.close().catch(() => undefined);
    client = undefined;
    rmSync(join(home, 'dev.json'), { force: true });
    dev = await startFerry(['dev'], /Ctrl-C/, { cwd: project, env, timeoutMs: 180_000 });
    upSince = Date.now();
    log('restarted');
  };

  // The watcher: polls every workflow's history and kills at the next point once it is reached.
  const pending = [...points];
  let watching = true;
  const observe = async (): Promise<Observed[]> => {
    const { client: c } = await temporalClient();
    const seen: Observed[] = [];
    const runsOf = new Map<string, number>();
    const latest: { workflowId: string; type: string }[] = [];
    for await (const wf of c.workflow.list()) {
      runsOf.set(wf.workflowId, (runsOf.get(wf.workflowId) ?? 0) + 1);
      if (runsOf.get(wf.workflowId) === 1) latest.push({ workflowId: wf.workflowId, type: wf.type });
    }
    for (const wf of latest) {
      const handle = c.workflow.getHandle(wf.workflowId);
      const [history, described] = await Promise.all([handle.fetchHistory(), handle.describe()]);
      seen.push({
        workflowId: wf.workflowId,
        type: wf.type,
        runs: runsOf.get(wf.workflowId)!,
        events: history.events ?? [],
        pendingAttempts: (described.raw.pendingActivities ?? []).map((a) => a.attempt ?? 0),
      });
    }
    return seen;
  };
  const watcher = (async () => {
    while (watching && pending.length > 0) {
      if (!restarting) {
        const seen = await observe().catch(() => undefined);
        const next = pending[0]!;
        if (seen && next.reached(seen)) {
          pending.shift();
          if (next.delayMs) await new Promise((r) => setTimeout(r, next.delayMs));
          restarting = restart(next.name).finally(() => (restarting = undefined));
          await restarting;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const ferryAs = async (token: string, args: string[]) => {
    const result = await runFerry(args, { cwd: project, env: { ...env, FERRY_TOKEN: token }, timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(`ferry ${args.join(' ')} exited ${result.code}: ${result.stderr.trim().split('\n').at(-1)}`);
    return result.stdout;
  };
  const settle = () => restarting ?? Promise.resolve();

  try {
    const admin = (await ferryAs('', ['users', 'add', 'root'])).trim();
    const token = async (name: string, role: string) => (await ferryAs(admin, ['users', 'add', name, '--role', role, '--group', 'ml-leads'])).trim();
    const alex = await token('alex', 'engineer');
    const dana = await token('dana', 'approver');
    const lee = await token('lee', 'approver');

    const approve = async (workflowId: string, envName: string, who: string) => {
      await retry(`approve ${envName}`, async () => {
        await settle();
        const result = await runFerry(['approve', workflowId, '--env', envName], { cwd: project, env: { ...env, FERRY_TOKEN: who }, timeoutMs: 60_000 });
        if (result.code === 0) return;
        // An approval whose Update landed before a kill is already counted: the run has moved past it.
        const status = JSON.parse(await ferryAs(alex, ['status', workflowId, '--format', 'json'])) as { run: { status: string; error?: string }; live?: { stages: { name: string; state: string }[] } };
        if (status.live?.stages.some((s) => s.name === `approve:${envName}` && s.state === 'succeeded')) return;
        if (['failed', 'rejected', 'cancelled', 'terminated', 'wedged'].includes(status.run.status)) {
          throw new Fatal(`run ${workflowId} ${status.run.status} before its ${envName} approval: ${status.run.error ?? ''}`);
        }
        throw new Error(result.stderr);
      }, 240_000);
    };
    const finished = async (workflowId: string) =>
      retry(`${workflowId} to finish`, async () => {
        await settle();
        const status = JSON.parse(await ferryAs(alex, ['status', workflowId, '--format', 'json'])) as { run: { status: string } };
        if (['running', 'waiting', 'wedged'].includes(status.run.status)) throw new Error(`still ${status.run.status}`);
        return status.run.status;
      }, 300_000);
    const releaseRun = async (params: string[], during?: () => { stop(): Promise<void> }) => {
      const started = await retry('ferry run', async () => {
        await settle();
        return JSON.parse(await ferryAs(alex, ['run', 'pipelines/penguins-crash.ts', '--format', 'json', ...params])) as { workflowId: string };
      });
      log(`run ${started.workflowId} started`);
      await approve(started.workflowId, 'staging', dana);
      await approve(started.workflowId, 'production', lee);
      const traffic = during?.();
      const status = await finished(started.workflowId);
      await traffic?.stop();
      const why = status === 'succeeded' ? '' : `: ${(JSON.parse(await ferryAs(alex, ['status', started.workflowId, '--format', 'json'])) as { run: { error?: string } }).run.error ?? 'no error recorded'}`;
      log(`run ${started.workflowId} ${status}${why}`);
      return started.workflowId;
    };
    const sendWindow = async (window: ReturnType<typeof productionWindow>) => {
      const sent = await retry('predictions', async () => {
        await settle();
        const result = await sendPredictions(serveUrl(), 'penguins', 'production', window.requests);
        if (result.failed > 0) throw new Error(`${result.failed} predictions failed`);
        return result;
      });
      await retry('labels', async () => {
        await settle();
        await sendLabels(serveUrl(), sent.requestIds, window.labels, alex);
      });
    };

    await releaseRun([]);
    await sendWindow(productionWindow({ seed: 1, n: 200 }));
    let seed = 100;
    await releaseRun(['--param', 'trees=20'], () =>
      steadyTraffic(async () => {
        if (restarting) return;
        await sendPredictions(serveUrl(), 'penguins', 'production', productionWindow({ seed: seed++, n: 4 }).requests, 2).catch(() => undefined);
      }, 100),
    );
    await sendWindow(productionWindow({ seed: 7, n: 300, drift: 'measurement' }));
    const back = await retry('the monitor to roll production back', async () => {
      await settle();
      const model = JSON.parse(await ferryAs(alex, ['model', 'penguins@production', '--format', 'json'])) as { version: number };
      if (model.version !== 1) throw new Error(`production on v${model.version}`);
      return model.version;
    }, 240_000).catch(async (err: unknown) => {
      // What the monitor saw, for the failure's reader: its latest checks (the window, the rules, what they decided).
      const history = await runFerry(['monitor', 'history', 'penguins', '--env', 'production', '--limit', '15'], { cwd: project, env: { ...env, FERRY_TOKEN: alex } });
      log(`monitor history when the wait ended:\n${history.stdout}${history.stderr}`);
      throw err;
    });
    log(`production back on v${back}`);
    // Points not reached by now (the matrix lists more than this lifecycle passes) are reported, not silently dropped.
    watching = false;
    await watcher;
    outcome.unreached = pending.map((p) => p.name);
    for (const point of outcome.unreached) log(`not reached: ${point}`);

    // What the lifecycle left behind.
    await settle();
    outcome.production = back;
    const models = JSON.parse(await ferryAs(alex, ['models', 'penguins', '--format', 'json'])) as { version: number; status: string }[];
    outcome.versions = models.map((m) => ({ version: m.version, status: m.status })).sort((a, b) => a.version - b.version);
    const listed = JSON.parse(await ferryAs(alex, ['status', '--format', 'json', '--limit', '50'])) as { run: string; status: string }[];
    outcome.runs = listed.map((r) => ({ workflowId: r.run, status: r.status }));
    const audit = await runFerry(['audit', 'verify'], { cwd: project, env: { ...env, FERRY_TOKEN: alex } });
    outcome.audit = { code: audit.code, output: (audit.stdout + audit.stderr).trim() };
    outcome.effects = existsSync(effects) ? readFileSync(effects, 'utf8').trim().split('\n') : [];
    const { client: c } = await temporalClient();
    for await (const wf of c.workflow.list()) {
      const handle = c.workflow.getHandle(wf.workflowId, wf.runId);
      const described = await handle.describe();
      if ((described.raw.pendingWorkflowTask?.attempt ?? 0) >= 2) outcome.wedged.push(wf.workflowId);
      outcome.histories.push({ workflowId: `${wf.workflowId}/${wf.runId}`, json: historyToJson(await handle.fetchHistory()) });
    }
  } finally {
    watching = false;
    await watcher.catch(() => undefined);
    output += dev.output();
    outcome.nondeterminism = output.split('\n').filter((l) => l.includes('TMPRL1100'));
    await client?.close().catch(() => undefined);
    dev.child.kill('SIGINT');
    await new Promise((r) => (dev.child.exitCode !== null ? r(undefined) : dev.child.once('exit', r)));
    appendFileSync(join(home, 'ferry-dev.log'), output);
    rmSync(project, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    rmSync(effects, { force: true });
  }
  return outcome;
}

/** "<run> <step>" lines that appear more than once: finished steps that ran again. */
export function repeatedEffects(effects: string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of effects) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([line, n]) => `${line} ×${n}`);
}
