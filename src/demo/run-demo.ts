import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { and, desc, eq } from 'drizzle-orm';
import { verifyAuditChain } from '../audit/index.js';
import { addToGroup, createUser, grantRole } from '../auth/users.js';
import { aliases, monitorChecks, runs } from '../db/schema/index.js';
import { loadPipelineFile, type LoadedPipeline } from '../dsl/load.js';
import type { FerryEnv } from '../settings.js';
import { FerryError } from '../core/errors.js';
import { aliasHistoryOf, listVersions } from '../registry/index.js';
import { formatLineage, lineageOf } from '../lineage/index.js';
import { modelCardFor } from '../modelcard/from-registry.js';
import { renderModelCard } from '../modelcard/index.js';
import { canonicalHash } from '../dsl/hash.js';
import { applyParams, startRun } from '../runs/start.js';
import { startSigner } from '../runs/start-attestation.js';
import { checkSubmission } from '../runs/submit.js';
import { watchRun } from '../runs/watch.js';
import { startDevStack } from '../dev-stack.js';
import { readDevState } from '../stack.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { productionWindow } from '../../pipelines/penguins/index.js';
import { sendLabels, sendPredictions, steadyTraffic } from './traffic.js';
import { inheritedEnv } from '../settings.js';

const ferryBin = fileURLToPath(new URL('../../bin/ferry.mjs', import.meta.url));

export interface DemoOptions {
  /** The user's environment; the demo keeps its data in `demoHome(env)`, inside FERRY_HOME. */
  env: FerryEnv;
  /** Continue from the previous demo's data instead of starting from an empty demo home. */
  keep?: boolean;
  /** Progress lines. */
  say: (line: string) => void;
  /** Demo timings (seconds): canary bake and monitor interval. */
  bakeSeconds?: number;
  monitorSeconds?: number;
  /** Called once the stack answers (tests read the metrics endpoints while the demo runs). */
  onStarted?: (urls: DemoResult['urls']) => void;
  /** Awaited after the summary, while everything still answers. */
  beforeStop?: (urls: DemoResult['urls']) => Promise<void>;
}

export interface DemoResult {
  /** Where the demo's processes answered while it ran. */
  urls: { ui?: string; serve: string; metrics: string };
  runs: { workflowId: string; version?: number; url?: string }[];
  production: number;
  driftReport?: string;
  modelCard?: string;
  auditOk: boolean;
}

interface Person {
  name: string;
  token: string;
}

/** The demo's people: alex writes and starts the runs, dana and lee lead the ML team and approve. */
async function seedPeople(db: Parameters<typeof createUser>[0]): Promise<Record<'alex' | 'dana' | 'lee', Person>> {
  const people = {} as Record<'alex' | 'dana' | 'lee', Person>;
  for (const [name, role, group] of [['alex', 'engineer', 'ml-team'], ['dana', 'approver', 'ml-leads'], ['lee', 'approver', 'ml-leads']] as const) {
    const { token } = await createUser(db, { name, displayName: name, by: 'demo' });
    await grantRole(db, { user: name, role, by: 'demo' });
    await addToGroup(db, { user: name, group, by: 'demo' });
    people[name] = { name, token };
  }
  return people;
}

/** Runs `ferry <args>` as a person would type it, with that person's token. */
function ferryCli(args: string[], token: string, home: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [ferryBin, ...args], { env: { ...inheritedEnv(), FERRY_TOKEN: token, FERRY_HOME: home, TEMPORAL_ADDRESS: '', DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output: output.trim() }));
  });
}

async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new FerryError(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The demo's own FERRY_HOME, `FERRY_HOME/demo`: the demo empties it at each start, so it never holds a user's runs
 * (those of `ferry dev` live in FERRY_HOME itself).
 */
export function demoHome(env: FerryEnv): string {
  return join(resolve(env.FERRY_HOME), 'demo');
}

/** `ferry demo --reset`: removes the demo's data only; says what it removed. */
export function resetDemo(env: FerryEnv, say: (line: string) => void): void {
  const home = demoHome(env);
  if (readDevState(home)) throw new FerryError(`'ferry dev' is running for ${home}; stop it (Ctrl-C) before removing the demo's data`);
  if (!existsSync(home)) return say(`Nothing to remove: ${home} does not exist.`);
  rmSync(home, { recursive: true, force: true });
  say(`Removed the demo's data in ${home}; ${resolve(env.FERRY_HOME)} is otherwise untouched.`);
}

/**
 * The flagship demo: trains penguins v1 and takes it to production through real approvals, sends traffic, canaries v2
 * into production, replays a drifted production window with late labels, and lets the monitor roll production back.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { say } = options;
  const home = demoHome(options.env);
  const env = { ...options.env, FERRY_HOME: home };
  // The demo's stack would collide with a running `ferry dev` of the user's home (ports) or of the demo's (its data).
  for (const running of [options.env.FERRY_HOME, home]) {
    if (readDevState(running)) throw new FerryError(`'ferry dev' is running for ${resolve(running)}; stop it (Ctrl-C) before the demo, which starts its own stack`);
  }
  if (existsSync(home) && !options.keep) {
    rmSync(home, { recursive: true, force: true });
    say(`Starting from an empty ${home} (the previous demo's data was removed; 'npm run demo -- --keep' keeps it).`);
  } else if (existsSync(home)) {
    say(`Keeping ${home}: versions continue from the previous demo.`);
  }
  const bake = `${options.bakeSeconds ?? 6}s`;
  const every = `${options.monitorSeconds ?? 3}s`;
  const base = await loadPipelineFile('pipelines/penguins.ts');
  // Demo timings: a canary bake and a monitor interval of seconds instead of minutes and hours.
  const demoSpec = (loaded: LoadedPipeline): LoadedPipeline => {
    const spec = structuredClone(loaded.spec);
    // A seconds-long bake sees a few dozen requests, not the 100 a production canary step needs by default.
    for (const d of spec.deploy) if (d.strategy.kind === 'canary') Object.assign(d.strategy, { bake, minRequests: 5 });
    if (spec.monitor) Object.assign(spec.monitor, { every, minRows: 100, cooldown: '10m', minLabeledShare: 0.8 });
    // The spec hash is what the signed start vouches for: it must be the hash of the spec that runs.
    return { ...loaded, spec, specHash: canonicalHash(spec) };
  };

  say('Starting the stack: Temporal dev server (with its UI), embedded Postgres, model server, worker…');
  const dev = await startDevStack({ env, refreshMs: 250, onProgress: say });
  const { stack, server, worker } = dev;
  const metrics = { url: dev.metricsUrl };
  const stops: (() => Promise<void>)[] = [dev.stop];
  try {
    const db = stack.database.db;
    const workerDone = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await workerDone;
    });
    say(`  Temporal UI   ${stack.uiUrl}`);
    say(`  Model server  ${server.url}`);
    say(`  Metrics       ${metrics.url} (worker), ${server.url}/metrics (model server)`);

    const clientConnection = await Connection.connect({ address: stack.temporalAddress });
    stops.push(() => clientConnection.close());
    const client = new Client({ connection: clientConnection, namespace: stack.namespace });
    const people = await seedPeople(db);
    say('Seeded users: alex (engineer, starts runs), dana and lee (approvers in ml-leads).');
    const url = (id: string) => (stack.uiUrl ? `${stack.uiUrl}/namespaces/${stack.namespace}/workflows/${id}` : undefined);
    const result: DemoResult = { urls: { ui: stack.uiUrl, serve: server.url, metrics: metrics.url }, runs: [], production: 0, auditOk: false };
    options.onStarted?.(result.urls);

    const approve = async (workflowId: string, envName: string, who: Person) => {
      await waitUntil(`${workflowId} to wait for ${envName}`, async () => {
        // A query can time out while the worker is busy: ask again on the next poll.
        const status = await client.workflow.getHandle(workflowId).query(statusQuery).catch(() => undefined);
        if (status?.state === 'failed') throw new FerryError(`demo: run ${workflowId} failed: ${status.error}`);
        return status?.approvals?.some((a) => a.env === envName) ? true : undefined;
      });
      say(`  ${who.name} approves ${envName}:  FERRY_TOKEN=<${who.name}'s token> npx ferry approve ${workflowId} --env ${envName}`);
      const { code, output } = await ferryCli(['approve', workflowId, '--env', envName, '--comment', 'metrics and gates reviewed'], who.token, env.FERRY_HOME);
      if (code !== 0) throw new FerryError(`demo: ferry approve exited ${code}: ${output}`);
      say(`    ${output}`);
    };

    const release = async (label: string, loaded: LoadedPipeline, duringProductionDeploy?: () => Promise<() => Promise<void>>) => {
      await checkSubmission(db, loaded, people.alex.name);
      const handle = await startRun(client, loaded, { taskQueue: env.FERRY_TASK_QUEUE, trigger: 'demo', triggeredBy: people.alex.name, signer: await startSigner(db, people.alex, env.FERRY_HOME) });
      say('');
      say(`${label}: run ${handle.workflowId} (trees=${loaded.spec.params.trees})`);
      if (url(handle.workflowId)) say(`  Temporal UI: ${url(handle.workflowId)}`);
      const watching = watchRun(handle, say);
      await approve(handle.workflowId, 'staging', people.dana);
      await approve(handle.workflowId, 'production', people.lee);
      const stop = duringProductionDeploy ? await duringProductionDeploy() : undefined;
      const status = await watching;
      await stop?.();
      if (status.state !== 'succeeded') throw new FerryError(`demo: ${label} ${status.state}: ${status.error ?? 'see the Temporal UI'}`);
      result.runs.push({ workflowId: handle.workflowId, version: status.modelVersion, url: url(handle.workflowId) });
      return status;
    };

    const production = async () => {
      const [row] = await db.select().from(aliases).where(and(eq(aliases.model, 'penguins'), eq(aliases.alias, 'production')));
      return row?.version;
    };

    // v1: trained, gated, approved twice, deployed to staging and production; then normal traffic with labels.
    const v1 = await release('Release 1', demoSpec(base));
    const normal = productionWindow({ seed: 1, n: 200 });
    const sent = await sendPredictions(server.url, 'penguins', 'production', normal.requests);
    await sendLabels(server.url, sent.requestIds, normal.labels, people.alex.token);
    say(`Sent ${sent.sent} production requests to v${v1.modelVersion} (and their labels).`);

    // v2: changed params, canaried into production while traffic flows.
    const v2 = await release('Release 2', demoSpec(applyParams(base, ['trees=20'])), async () => {
      say(`  canary of v2 in production: ${base.spec.deploy.find((d) => d.env === 'production')?.strategy.kind} steps with ${bake} bake, traffic flowing`);
      let seed = 100;
      // Each request goes to one version: many small requests give a 10% canary enough of them to judge.
      const traffic = steadyTraffic(() => sendPredictions(server.url, 'penguins', 'production', productionWindow({ seed: seed++, n: 4 }).requests, 2), 100);
      return () => traffic.stop();
    });
    say(`v${v2.modelVersion} serves production.`);

    // A measurement drift (body mass recorded +15%, flipper length +12 mm) with labels arriving late.
    const drifted = productionWindow({ seed: 7, n: 300, drift: 'measurement' });
    say('');
    say('Replaying a drifted production window (body mass recorded 15% high, flipper length +12 mm); labels arrive later…');
    const driftSent = await sendPredictions(server.url, 'penguins', 'production', drifted.requests);
    setTimeout(() => void sendLabels(server.url, driftSent.requestIds, drifted.labels, people.alex.token).catch(() => undefined), 4000);
    const back = await waitUntil('the monitor to roll production back', async () => {
      const version = await production();
      return version !== undefined && version !== v2.modelVersion ? version : undefined;
    }, 180_000);
    const [breach] = await db.select().from(monitorChecks).where(and(eq(monitorChecks.model, 'penguins'), eq(monitorChecks.kind, 'drift'), eq(monitorChecks.breached, true))).orderBy(desc(monitorChecks.id)).limit(1);
    result.driftReport = (breach?.result as { reportPath?: string } | undefined)?.reportPath;
    say(`The monitor found the drift and rolled production back: v${back} serves again.`);
    result.production = back;

    // Summary.
    say('');
    say('Summary');
    for (const run of result.runs) say(`  run ${run.workflowId} → penguins v${run.version}${run.url ? `  ${run.url}` : ''}`);
    const versions = await listVersions(db, 'penguins');
    say('  registry:');
    for (const v of versions.reverse()) say(`    penguins v${v.version}  ${v.status.padEnd(10)} accuracy ${v.metrics.accuracy?.toFixed(3)}  aliases: ${v.aliases.join(', ') || '-'}`);
    say('  alias history:');
    for (const move of await aliasHistoryOf(db, 'penguins')) say(`    ${move.at.toISOString().slice(11, 19)} ${move.alias.padEnd(10)} v${move.fromVersion ?? '-'} → v${move.toVersion}  by ${move.actor}: ${move.reason}`);
    const lineage = await lineageOf(db, 'penguins', v2.modelVersion!);
    if (lineage) {
      say(`  lineage of penguins v${v2.modelVersion}:`);
      for (const line of formatLineage(lineage, 'text').trimEnd().split('\n')) say(`    ${line}`);
    }
    if (result.driftReport) say(`  drift report: ${result.driftReport}`);
    const { card } = await modelCardFor(db, 'penguins', v2.modelVersion!);
    mkdirSync(join(home, 'reports'), { recursive: true });
    result.modelCard = join(home, 'reports', `model-card-penguins-v${v2.modelVersion}.html`);
    writeFileSync(result.modelCard, renderModelCard(card, 'html'));
    say(`  model card: ${result.modelCard}   (npx ferry card penguins@${v2.modelVersion} --format html)`);
    const audit = await verifyAuditChain(db);
    result.auditOk = audit.ok;
    say(`  ferry audit verify: ${audit.ok ? `intact (${audit.checked} records)` : `BROKEN at ${JSON.stringify(audit.firstBroken)}`}`);
    const runCount = (await db.select({ id: runs.workflowId }).from(runs)).length;
    say('');
    await options.beforeStop?.(result.urls);
    // The demo's data is in its own home: the same FERRY_HOME opens it again.
    const below = relative(process.cwd(), home);
    const homeVar = `FERRY_HOME=${below && !below.startsWith('..') ? below : home}`;
    say(`Explore: ${homeVar} npx ferry dev  (Temporal UI, ${runCount} runs), then in another terminal ${homeVar} npx ferry models penguins · npx ferry lineage penguins@${v2.modelVersion} --format mermaid · npx ferry audit`);
    return result;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
