import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import pg_ from 'pg';
import { parse, stringify } from 'yaml';
import { provisionTemporalServer } from '../../src/temporal/server-provision.js';
import { freePort, type PostgresServer } from './postgres-server.js';

/** The four services of a Temporal cluster; each runs as its own `temporal-server start --service <name>` process. */
export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
type Service = (typeof SERVICES)[number];

export interface TemporalCluster {
  /** The frontend's `host:port`: what `TEMPORAL_ADDRESS` is set to. */
  address: string;
  /** `postgres`: the persistence store the config names (read back from the written config). */
  persistence: string;
  /** Each service's process id, for the summary and to show they are separate processes. */
  pids(): Record<Service, number | undefined>;
  /** Stops the frontend process (SIGTERM, SIGKILL after 15 s) and starts it again on the same port; resolves once it serves. */
  restartFrontend(): Promise<void>;
  /** The last lines a service printed (for failures). */
  logTail(service: Service): string;
  stop(): Promise<void>;
}

const ROLE = 'temporal';
const PASSWORD = 'temporal_pw';

/** Creates Temporal's two databases on `pg` and their schemas with temporal-sql-tool, as an operator does. */
function createSchemas(sqlTool: string, schemaDir: string, pg: PostgresServer): void {
  for (const [db, dir] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', ROLE, '--pw', PASSWORD, '--db', db];
    execFileSync(sqlTool, [...base, 'create-database'], { stdio: 'pipe' });
    execFileSync(sqlTool, [...base, 'setup-schema', '-v', '0.0'], { stdio: 'pipe' });
    execFileSync(sqlTool, [...base, 'update-schema', '-d', join(schemaDir, dir, 'versioned')], { stdio: 'pipe' });
  }
}

/** Dynamic config: the dev server's defaults that Ferry relies on (search attributes visible at once, Updates). */
const DYNAMIC_CONFIG = {
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': [{ value: true }],
  'frontend.enableExecuteMultiOperation': [{ value: true }],
  'limit.maxIDLength': [{ value: 255 }],
};

type Yaml = Record<string, Record<string, unknown>>;

/** PEM files of an mTLS frontend: its certificate and key, the CA its clients' certificates must chain to, and the name in its certificate. */
export interface FrontendTls {
  certFile: string;
  keyFile: string;
  clientCaFile: string;
  serverName: string;
}

/** `global.tls.frontend`: the frontend serves TLS and requires a client certificate; the worker service, its own client, presents the frontend's. */
const frontendTlsConfig = (tls: FrontendTls) => ({
  frontend: {
    server: { certFile: tls.certFile, keyFile: tls.keyFile, requireClientAuth: true, clientCaFiles: [tls.clientCaFile] },
    client: { serverName: tls.serverName, rootCaFiles: [tls.clientCaFile] },
  },
});

/** How the harness itself reaches the frontend: plaintext, or mTLS with the frontend's own certificate. */
const harnessTls = (tls: FrontendTls | undefined) =>
  tls && { serverNameOverride: tls.serverName, serverRootCACertificate: readFileSync(tls.clientCaFile), clientCertPair: { crt: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } };

/** The module's development-postgres12.yaml with this server's address and role, loopback free ports, no archival or fixed metrics/pprof ports. */
async function writeConfig(template: string, pg: PostgresServer, dir: string, tls?: FrontendTls): Promise<{ file: string; frontendPort: number; persistence: string }> {
  const config = parse(readFileSync(template, 'utf8')) as Yaml;
  const persistence = config.persistence as { defaultStore: string; datastores: Record<string, { sql: Record<string, unknown> }> };
  for (const store of Object.values(persistence.datastores)) Object.assign(store.sql, { connectAddr: `${pg.host}:${pg.port}`, user: ROLE, password: PASSWORD });
  const global = config.global as Record<string, unknown>;
  delete global.pprof;
  delete global.metrics;
  if (tls) global.tls = frontendTlsConfig(tls);
  const ports: Record<string, { grpcPort: number; membershipPort: number; bindOnLocalHost: boolean; httpPort?: number }> = {};
  for (const service of SERVICES) ports[service] = { grpcPort: await freePort(), membershipPort: await freePort(), bindOnLocalHost: true };
  ports.frontend!.httpPort = await freePort();
  config.services = Object.fromEntries(SERVICES.map((s) => [s, { rpc: ports[s] }]));
  const frontend = `127.0.0.1:${ports.frontend!.grpcPort}`;
  (config.clusterMetadata as { clusterInformation: { active: { rpcAddress: string } } }).clusterInformation.active.rpcAddress = frontend;
  config.publicClient = { hostPort: frontend };
  config.archival = { history: { state: 'disabled' }, visibility: { state: 'disabled' } };
  config.namespaceDefaults = { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } };
  config.log = { stdout: true, level: 'warn' };
  const dynamic = join(dir, 'dynamicconfig.yaml');
  writeFileSync(dynamic, stringify(DYNAMIC_CONFIG));
  config.dynamicConfigClient = { filepath: dynamic, pollInterval: '10s' };
  mkdirSync(join(dir, 'config'));
  const file = join(dir, 'config', 'ferry.yaml');
  writeFileSync(file, stringify(config));
  const kind = (persistence.datastores[persistence.defaultStore]!.sql.pluginName as string).replace(/\d+$/, '');
  return { file, frontendPort: ports.frontend!.grpcPort, persistence: kind };
}

/** Resolves once the frontend answers GetSystemInfo (the cluster is then ready to take namespaces and workers). */
async function waitForFrontend(address: string, alive: () => boolean, tail: () => string, tls?: FrontendTls, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000, tls: harnessTls(tls) });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.listNamespaces({ pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (!alive() || Date.now() > deadline) throw new Error(`the Temporal frontend on ${address} did not serve (${(err as Error).message}):\n${tail()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Resolves once `query` (on Temporal's database, selecting `n`) counts at least `atLeast` rows. */
async function waitForRow(pg: PostgresServer, query: string, alive: () => boolean, tail: () => string, atLeast = 1, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg_.Client({ connectionString: `postgres://${ROLE}:${PASSWORD}@${pg.host}:${pg.port}/temporal` });
    try {
      await client.connect();
      const { rows } = await client.query<{ n: string }>(query);
      if (Number(rows[0]!.n) >= atLeast) return;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (!alive() || Date.now() > deadline) throw new Error(`the Temporal cluster did not come up (${query}):\n${tail()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Resolves once all four services have joined the ring (a row each in Temporal's cluster_membership, heartbeating). */
const waitForMembership = (pg: PostgresServer, alive: () => boolean, tail: () => string) =>
  waitForRow(pg, "SELECT count(DISTINCT role) AS n FROM cluster_membership WHERE last_heartbeat > now() at time zone 'utc' - interval '30 seconds'", alive, tail, SERVICES.length);

/**
 * A Temporal Server 1.29.1 cluster on `pg` (the binaries come from the cache, built the first time): schemas created
 * with temporal-sql-tool, one process per service on loopback free ports.
 */
export async function startTemporalCluster(pg: PostgresServer, options: { onProgress?: (line: string) => void; tls?: FrontendTls } = {}): Promise<TemporalCluster> {
  const { server, sqlTool, schemaDir, configTemplate } = await provisionTemporalServer({ onProgress: options.onProgress });
  await pg.createRole(ROLE, PASSWORD);
  createSchemas(sqlTool, schemaDir, pg);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-temporal-cluster-'));
  const { frontendPort, persistence } = await writeConfig(configTemplate, pg, dir, options.tls);
  const address = `127.0.0.1:${frontendPort}`;
  const procs: Partial<Record<Service, ChildProcess>> = {};
  const logs: Record<Service, string> = { frontend: '', history: '', matching: '', worker: '' };
  const launch = (service: Service) => {
    const child = spawn(server, ['--root', dir, '--config', 'config', '--env', 'ferry', '--allow-no-auth', 'start', '--service', service], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (c: Buffer) => {
      logs[service] = (logs[service] + c.toString()).slice(-3000);
      appendFileSync(join(dir, `${service}.log`), c);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    // A service that dies on its own is a broken cluster: say which and why at once, not as a stuck run later.
    child.once('exit', (code, signal) => {
      if (procs[service] === child && !stopping) options.onProgress?.(`Temporal ${service} (pid ${child.pid}) exited (${code ?? signal}):\n${logs[service].slice(-1500)}`);
    });
    procs[service] = child;
  };
  const alive = (service: Service) => procs[service]?.exitCode === null && procs[service]?.signalCode === null;
  const halt = async (service: Service) => {
    const child = procs[service];
    if (!child || !alive(service)) return;
    procs[service] = undefined;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  let stopping = false;
  // The first service to start writes the cluster's metadata; several racing to do it fail ("failed to initialize
  // current cluster metadata"), so the frontend starts alone and the others once the row is there.

  const cluster: TemporalCluster = {
    address,
    persistence,
    pids: () => Object.fromEntries(SERVICES.map((s) => [s, procs[s]?.pid])) as Record<Service, number | undefined>,
    logTail: (service) => logs[service],
    async restartFrontend() {
      await halt('frontend');
      launch('frontend');
      await waitForFrontend(address, () => alive('frontend'), () => logs.frontend, options.tls);
    },
    async stop() {
      stopping = true;
      for (const service of [...SERVICES].reverse()) await halt(service);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    launch('frontend');
    await waitForRow(pg, 'SELECT count(*) AS n FROM cluster_metadata_info', () => alive('frontend'), () => logs.frontend);
    for (const service of SERVICES.filter((s) => s !== 'frontend')) launch(service);
    await waitForFrontend(address, () => SERVICES.every(alive), () => SERVICES.map((s) => `[${s}] ${logs[s]}`).join('\n'), options.tls);
    await waitForMembership(pg, () => SERVICES.every(alive), () => SERVICES.map((s) => `[${s}] ${logs[s]}`).join('\n'));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
