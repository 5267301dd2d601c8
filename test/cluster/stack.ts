import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { addUser } from '../../src/auth/index.js';
import { ensureKey } from '../../src/auth/signing-keys.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { startMinio, type MinioServer } from '../../src/provision/minio.js';
import { startTemporalCluster, type TemporalCluster } from '../helpers/cluster.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { processSet, type FerryProcess } from '../process/spawn.js';
import { penguinsProject } from './project.js';
import { topology } from './services.js';

export const PUSH_SECRET = 'cluster-test-push-secret';
export const NAMESPACE = 'ferry-cluster';
export const BUCKET = 'ferry-artifacts';

/** One `ferry worker` as if on its own machine: its own FERRY_HOME, working directory, caches and config directory. */
export interface WorkerMachine {
  name: string;
  taskQueue: string;
  root: string;
  proc: FerryProcess;
  env: NodeJS.ProcessEnv;
}

export interface ClusterStack {
  pg: PostgresServer;
  temporal: TemporalCluster;
  /** The S3 server every artifact goes to (FERRY_ARTIFACTS=s3://ferry-artifacts/runs), and a client of it. */
  minio: MinioServer;
  s3: S3Client;
  database: Database;
  client: Client;
  remote: string;
  /** The remote as pipelines name it (`repo.url`): a file:// URL, as a worker elsewhere would use https:// or ssh://. */
  remoteUrl: string;
  /** The developer's clone: commits here are pushed to `remote`. */
  dev: string;
  workers: WorkerMachine[];
  /** Every worker process started, by pid (a restarted worker has a new one): Temporal's worker identity is `<pid>@<host>`. */
  workerOfPid: Map<number, string>;
  serveUrl: string;
  hookUrl: string;
  /** The environment every Ferry process shares: the servers' addresses, nothing on disk. */
  shared: NodeJS.ProcessEnv;
  tokens: { root: string; dana: string; erin: string };
  /** Commits `files` in the developer's clone and pushes to the remote; returns the commit. */
  push(files: Record<string, string>, message: string): string;
  /** Starts (again) the worker called `name`, on its own machine directory. */
  startWorker(name: string): Promise<WorkerMachine>;
  stop(): Promise<void>;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** Starts every server and process of the production topology on loopback (the order matters: each needs the previous). */
export async function startClusterStack(say: (line: string) => void): Promise<ClusterStack> {
  const base = mkdtempSync(join(tmpdir(), 'ferry-cluster-'));
  // mkdtemp makes it 0700; steps run as FERRY_STEP_USER=nobody and must reach their worktree under it, as they would
  // under a machine's /var/lib.
  chmodSync(base, 0o755);
  const procs = processSet();
  const stops: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await procs.stopAll().catch(() => undefined);
    for (const s of stops.reverse()) await s().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  };
  try {
    // MinIO starts (and, on a fresh machine, builds) while PostgreSQL and Temporal come up.
    const minioStarting = startMinio({ dataDir: join(base, 'minio'), onProgress: say });
    minioStarting.catch(() => undefined);
    const pg = await startPostgresServer();
    stops.push(() => pg.stop());
    say(`PostgreSQL on ${pg.host}:${pg.port} (system server)`);
    const temporal = await startTemporalCluster(pg, { onProgress: say });
    // (its services' logs are in the cluster directory it names on failure)
    stops.push(() => temporal.stop());
    say(`Temporal Server cluster on ${temporal.address}: ${Object.entries(temporal.pids()).map(([s, pid]) => `${s} pid ${pid}`).join(', ')}; persistence ${temporal.persistence}`);
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    await connection.workflowService.registerNamespace({ namespace: NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const client = new Client({ connection, namespace: NAMESPACE });

    const minio = await minioStarting;
    stops.push(() => minio.stop());
    const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
    stops.push(async () => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    say(`MinIO on ${minio.endpoint} (pid ${minio.pid}), bucket ${BUCKET}`);

    await pg.createRole('ferry', 'ferry_pw');
    const admin = createDatabase(pg.url());
    await admin.pool.query('CREATE DATABASE ferry OWNER ferry');
    await admin.close();
    const databaseUrl = `postgres://ferry:ferry_pw@${pg.host}:${pg.port}/ferry`;
    const database = createDatabase(databaseUrl);
    stops.push(() => database.close());
    await migrateDatabase(database.db);
    const root = (await addUser(database.db, undefined, { name: 'root' })).token;
    const dana = (await addUser(database.db, root, { name: 'dana', role: 'approver', groups: ['ml-leads'] })).token;
    // erin pushes the commits and sends the labels (an engineer); dana, who did not push, approves.
    const erin = (await addUser(database.db, root, { name: 'erin', role: 'engineer', groups: ['ml-team'] })).token;

    // The team's repository: a bare remote, and a developer's clone that pushes to it.
    const remote = join(base, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    const dev = join(base, 'developer');
    execFileSync('git', ['clone', '-q', remote, dev], { stdio: 'pipe' });
    git(dev, 'config', 'user.email', 'dana@ferry.invalid');
    git(dev, 'config', 'user.name', 'Dana');
    const push = (files: Record<string, string>, message: string) => {
      writeFiles(dev, files);
      git(dev, 'add', '-A');
      git(dev, 'commit', '-q', '-m', message);
      git(dev, 'push', '-q', 'origin', 'HEAD:main');
      // No machine's clone is brought up to date: the webhook reads the pushed commit and each worker fetches the
      // pinned SHA into its own mirror of the remote.
      return git(dev, 'rev-parse', 'HEAD');
    };
    const machines = new Map<string, ReturnType<typeof machine>>();
    const remoteUrl = pathToFileURL(remote).href;
    push(penguinsProject({ url: remoteUrl }, 30), 'penguins: first model');

    const shared = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      DATABASE_URL: databaseUrl,
      FERRY_TASK_QUEUE: 'ferry',
      FERRY_STEP_USER: 'nobody',
      FERRY_ARTIFACTS: `s3://${BUCKET}/runs`,
      AWS_ACCESS_KEY_ID: minio.accessKey,
      AWS_SECRET_ACCESS_KEY: minio.secretKey,
      AWS_REGION: minio.region,
      AWS_ENDPOINT_URL_S3: minio.endpoint,
    };
    /** A machine directory: a clone of the remote as its working directory, and FERRY_HOME, caches, config beside it. */
    const machine = (name: string) => {
      const dir = join(base, name);
      mkdirSync(dir, { recursive: true });
      const work = join(dir, 'work');
      execFileSync('git', ['clone', '-q', remote, work], { stdio: 'pipe' });
      const env = { ...shared, FERRY_HOME: join(dir, 'home'), FERRY_CACHE: join(dir, 'cache'), FERRY_CONFIG_DIR: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'xdg-cache'), FERRY_METRICS_PORT: '0' };
      const m = { dir, work, env };
      machines.set(name, m);
      return m;
    };

    const serveMachine = machine(topology.modelServer);
    const serve = await procs.start(topology.modelServer, ['serve', '--port', '0', '--refresh-ms', '100'], /Ferry model server on (http:\/\/[^\s]+)/, { cwd: serveMachine.work, env: serveMachine.env });
    const serveUrl = serve.ready[1]!;
    const hookMachine = machine(topology.webhook);
    // The deployment's signing identity is the webhook's service key (it signs the runs it starts), kept in the webhook
    // machine's config directory and registered in Postgres; every worker is pinned to it (FERRY_VERIFY_KEY).
    const hookKey = await ensureKey(database.db, topology.webhook, 'service', { service: true, dir: hookMachine.env.FERRY_CONFIG_DIR, ferryHome: hookMachine.env.FERRY_HOME, by: 'root' });
    const hook = await procs.start(topology.webhook, ['webhook', '--port', '0'], /Push webhook listening at (http:\/\/[^\s]+\/hooks\/git)/, { cwd: hookMachine.work, env: { ...hookMachine.env, FERRY_PUSH_SECRET: PUSH_SECRET } });

    const workers: WorkerMachine[] = [];
    const workerOfPid = new Map<number, string>();
    const startWorker = async (name: string) => {
      const spec = topology.workers.find((w) => w.name === name)!;
      const m = machines.get(name) ?? machine(name);
      const env = { ...m.env, FERRY_SERVE_URL: serveUrl, FERRY_VERIFY_KEY: hookKey.keyId };
      const args = spec.taskQueue === 'ferry' ? ['worker'] : ['worker', '--task-queue', spec.taskQueue];
      const proc = await procs.start(name, args, /Ferry worker polling task queue/, { cwd: m.work, env, timeoutMs: 240_000 });
      workerOfPid.set(proc.child.pid!, name);
      // A worker that dies without being killed by the test is a finding: say why, from what it printed.
      proc.child.once('exit', (code, signal) => !stopping && signal !== 'SIGKILL' && say(`${name} (pid ${proc.child.pid}) exited on its own (${code ?? signal}):\n${proc.output().slice(-3000)}`));
      const started = { name, taskQueue: spec.taskQueue, root: m.dir, proc, env };
      const i = workers.findIndex((w) => w.name === name);
      if (i >= 0) workers[i] = started;
      else workers.push(started);
      return started;
    };
    await Promise.all(topology.workers.map((w) => startWorker(w.name)));
    say(`Workers: ${workers.map((w) => `${w.name} (pid ${w.proc.child.pid}, queue ${w.taskQueue})`).join(', ')}; model server ${serveUrl}; push webhook ${hook.ready[1]}`);
    return { pg, temporal, minio, s3, database, client, remote, remoteUrl, dev, workers, workerOfPid, serveUrl, hookUrl: hook.ready[1]!, shared, tokens: { root, dana, erin }, push, startWorker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
