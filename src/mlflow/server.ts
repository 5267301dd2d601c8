import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FerryError } from '../core/errors.js';
import { freePort } from '../observability/endpoint.js';
import { ensureVenv, type EnsureVenvOptions } from '../provision/python-venv.js';
import { inheritedEnv } from '../settings.js';
import { supervise } from '../provision/process.js';

/** The MLflow release Ferry's tests and `ferry mlflow server` run: pinned, installed into a cached venv. */
export const MLFLOW_REQUIREMENTS = ['mlflow==3.17.2'] as const;

export interface MlflowServer {
  /** http://127.0.0.1:<port> — what MLFLOW_TRACKING_URI is set to. */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartMlflowServerOptions extends EnsureVenvOptions {
  /** Where the SQLite backend store and the artifacts live. */
  dir: string;
  port?: number;
  /** Extra environment of the server, e.g. `MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: 'true'` to deliver webhooks to loopback. */
  env?: Record<string, string>;
  /** How long to wait for /health (default 120 s: the first start migrates the SQLite schema). */
  readyTimeoutMs?: number;
}

/**
 * Starts a real MLflow tracking server on loopback: `mlflow server` with a SQLite backend store and a local artifact
 * destination served through the mlflow-artifacts proxy (`--serve-artifacts`), from the pinned release in a cached venv
 * (built the first time, with pip's progress).
 */
export async function startMlflowServer(options: StartMlflowServerOptions): Promise<MlflowServer> {
  const venv = await ensureVenv({ requirements: MLFLOW_REQUIREMENTS }, options);
  const dir = resolve(options.dir);
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  // A free port can be taken by another process between `freePort()` and the server's bind: pick another (3 tries).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(venv.python, dir, options.port ?? (await freePort()), options);
    } catch (err) {
      if (options.port !== undefined || attempt >= 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

class PortTaken extends FerryError {}

async function startOn(python: string, dir: string, port: number, options: StartMlflowServerOptions): Promise<MlflowServer> {
  const url = `http://127.0.0.1:${port}`;
  // `python -m mlflow`: a cached venv's console scripts name the directory it was built in.
  const child = spawn(
    python,
    ['-m', 'mlflow', 'server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`, '--artifacts-destination', join(dir, 'artifacts'), '--serve-artifacts', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...inheritedEnv(), MLFLOW_TRACKING_URI: '', ...options.env } },
  );
  // The whole group: the server and its uvicorn/gunicorn workers.
  const proc = supervise(child, { group: true });
  const stop = proc.stop;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (proc.exited() !== undefined) {
      const output = proc.output();
      const Failure = /\[Errno 98\]|address already in use/i.test(output) ? PortTaken : FerryError;
      throw new Failure(`mlflow server exited (${proc.exited()}) before it was ready: ${output.trim().split('\n').slice(-5).join(' | ')}`);
    }
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new FerryError(`mlflow server did not answer ${url}/health within ${Math.round((options.readyTimeoutMs ?? 120_000) / 1000)} s: ${proc.output().trim().split('\n').slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, process: child, stop };
}
