/**
 * A local MLServer: provisioned into a cached venv (pinned, progress the first time; Python 3 is the one prerequisite),
 * started on 127.0.0.1 on free ports with its model repository under FERRY_HOME, models loaded and unloaded only
 * through its repository API. One per FERRY_HOME and process; `FERRY_MLSERVER_URL` (with `FERRY_MLSERVER_REPOSITORY`,
 * the directory that server reads its models from) points Ferry at an MLServer it does not start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FerryError } from '../core/errors.js';
import { log } from '../log.js';
import { freePort } from '../observability/endpoint.js';
import { ensureVenv } from '../provision/python-venv.js';
import { MLSERVER_REQUIREMENTS, MLSERVER_VERSION } from './requirements.js';
import { currentEnv, type EnvSource } from '../settings.js';

export interface MlserverInstance {
  /** Base URL of its HTTP (V2) API. */
  url: string;
  /** The model repository it loads from: one folder per model version. */
  repository: string;
  /** The venv's interpreter (for reading a model's feature names), undefined for an MLServer Ferry did not start. */
  python?: string;
  /** Stops it if Ferry started it. */
  stop(): Promise<void>;
}

export interface StartMlserverOptions {
  /** Directory for settings.json and the model repository (`<dir>/models`). */
  dir: string;
  /** Progress lines (venv build, start-up); default stderr. */
  log?: (line: string) => void;
  /** Longest start-up wait (default 120 s: the first import of its runtimes is slow on a busy machine). */
  startTimeoutMs?: number;
}

/** Provisions MLServer's venv (cached) and returns its interpreter. */
export async function ensureMlserverVenv(progress?: (line: string) => void): Promise<string> {
  const venv = await ensureVenv({ requirements: MLSERVER_REQUIREMENTS }, progress ? { log: progress } : {});
  return venv.python;
}

async function waitLive(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new FerryError(`MLServer exited ${child.exitCode} while starting: ${output().slice(-800)}`);
    try {
      const res = await fetch(`${url}/v2/health/live`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new FerryError(`MLServer did not answer ${url}/v2/health/live within ${timeoutMs} ms: ${output().slice(-800)}`);
}

/** Starts MLServer `MLSERVER_VERSION` on 127.0.0.1 (free ports), in-process inference (no worker pool), empty repository. */
export async function startMlserver(options: StartMlserverOptions): Promise<MlserverInstance> {
  const progress = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const python = await ensureMlserverVenv(progress);
  const dir = resolve(options.dir);
  const repository = join(dir, 'models');
  mkdirSync(repository, { recursive: true });
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'settings.json'),
    `${JSON.stringify({ host: '127.0.0.1', http_port: http, grpc_port: grpc, metrics_port: metrics, parallel_workers: 0, load_models_at_startup: false, model_repository_root: repository, debug: false }, null, 2)}\n`,
  );
  const url = `http://127.0.0.1:${http}`;
  progress(`mlserver ${MLSERVER_VERSION}: starting on ${url} (repository ${repository})`);
  // `python -m`: the venv's console scripts name the directory it was built in.
  const child = spawn(python, ['-m', 'mlserver.cli.main', 'start', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // Never outlive the process that started it.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  await waitLive(url, child, options.startTimeoutMs ?? 120_000, () => output);
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (!stopping) log.error({ code, signal, tail: output.slice(-500) }, 'MLServer exited');
  });
  return {
    url,
    repository,
    python,
    async stop() {
      stopping = true;
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const shared = new Map<string, Promise<MlserverInstance>>();

/**
 * The MLServer of `home` for this process: `FERRY_MLSERVER_URL` when set, else one Ferry starts on first use under
 * `<home>/mlserver`. A failed start is forgotten, so the next deploy tries again.
 */
export function sharedMlserver(home: string, env: EnvSource = currentEnv()): Promise<MlserverInstance> {
  const external = env.FERRY_MLSERVER_URL;
  if (external) {
    if (!env.FERRY_MLSERVER_REPOSITORY) throw new FerryError('mlserver deployment target: FERRY_MLSERVER_URL is set but FERRY_MLSERVER_REPOSITORY is not; set it to the model repository directory that MLServer reads');
    return Promise.resolve({ url: external.replace(/\/+$/, ''), repository: resolve(env.FERRY_MLSERVER_REPOSITORY), stop: async () => {} });
  }
  const key = resolve(home);
  let entry = shared.get(key);
  if (!entry) {
    entry = startMlserver({ dir: join(key, 'mlserver') });
    entry.catch(() => shared.delete(key));
    shared.set(key, entry);
  }
  return entry;
}

/** Stops every MLServer this process started through {@link sharedMlserver} (tests, `ferry dev` shutdown). */
export async function stopSharedMlservers(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.stop()));
}
