import { spawn } from 'node:child_process';
import { FerryError } from '../core/errors.js';
import { freePort } from '../observability/endpoint.js';
import { ensureVenv, type EnsureVenvOptions } from './python-venv.js';
import { inheritedEnv } from '../settings.js';
import { supervise } from './process.js';

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
  const proc = supervise(child);
  const stop = proc.stop;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (proc.exited() !== undefined) throw new FerryError(`moto server exited (${proc.exited()}) before it was ready: ${proc.output().trim().split('\n').slice(-5).join(' | ')}`);
    if (await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new FerryError(`moto server did not answer ${url} within ${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s: ${proc.output().trim().split('\n').slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
