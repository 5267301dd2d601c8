import { spawn } from 'node:child_process';
import { FerryError } from '../core/errors.js';
import { freePort } from '../observability/endpoint.js';
import { ensureVenv, type EnsureVenvOptions } from '../python/venv.js';
import { inheritedEnv } from '../settings.js';

/**
 * moto's server mode: a local stand-in for AWS APIs (here SageMaker), because the real cloud service cannot be reached
 * from this machine or from CI. It implements the control plane (models, endpoint configs, endpoints and their
 * variant weights) but runs no model containers; it has no UpdateEndpoint.
 */
export const MOTO_REQUIREMENTS = ['moto[server]==5.2.5'] as const;

export interface MotoServer {
  /** http://127.0.0.1:<port>: the endpoint an AWS SDK client is pointed at. */
  url: string;
  stop(): Promise<void>;
}

/** Starts `moto_server` from the pinned release in a cached venv (built the first time, with pip's progress). */
export async function startMotoServer(options: EnsureVenvOptions & { readyTimeoutMs?: number } = {}): Promise<MotoServer> {
  const venv = await ensureVenv({ requirements: MOTO_REQUIREMENTS }, options);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(venv.python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: inheritedEnv() });
  let output = '';
  const keep = (b: Buffer) => (output = (output + b.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const stop = async () => {
    if (exited !== undefined) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await done;
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new FerryError(`moto server exited (${exited}) before it was ready: ${output.trim().split('\n').slice(-5).join(' | ')}`);
    if (await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new FerryError(`moto server did not answer ${url} within ${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s: ${output.trim().split('\n').slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
