import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FerryError } from '../core/errors.js';
import { inheritedEnv } from '../settings.js';
import { freePort } from '../temporal/dev-server.js';
import { ferryCacheDir, goInstall, goVersion, isExecutable, withCacheLock } from './tools.js';

/**
 * MinIO, the S3-compatible server the tests (and a one-machine trial of the S3 artifact store) run against: a real
 * S3 API on loopback, built from source with `go install` once and cached outside any repository like the Temporal CLI.
 */

/** The MinIO commit Ferry pins (a pseudo-version: MinIO's tags are not semver, so `go install` takes the commit). */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
const GO_PACKAGE = `github.com/minio/minio@${MINIO_VERSION}`;

export interface MinioProvisionOptions {
  /** Where the built binary is kept (default `~/.cache/ferry/minio/<version>/minio`). */
  cacheDir?: string;
  /** Progress lines (the first build takes minutes); stderr by default. */
  onProgress?: (line: string) => void;
}

/** The cached binary's path. */
export function minioCachePath(): string {
  return join(ferryCacheDir('minio', MINIO_VERSION), 'minio');
}

/** Finds or builds the pinned `minio` binary (Go ≥ 1.25), holding the cache lock so parallel callers build it once. */
export async function provisionMinio(options: MinioProvisionOptions = {}): Promise<string> {
  const onProgress = options.onProgress ?? ((line) => process.stderr.write(`${line}\n`));
  const cached = options.cacheDir ? join(options.cacheDir, 'minio') : minioCachePath();
  if (isExecutable(cached)) return cached;
  const go = goVersion();
  if (!go || (go[0] === 1 && go[1] < 25)) {
    throw new FerryError(`no MinIO server: ${go ? `Go ${go.join('.')} is older than 1.25` : 'Go is not installed'}; install Go ≥ 1.25 so Ferry can run 'go install ${GO_PACKAGE}'`);
  }
  return withCacheLock(cached, `MinIO ${MINIO_VERSION}`, onProgress, async () => {
    if (isExecutable(cached)) return cached;
    mkdirSync(dirname(cached), { recursive: true });
    const gobin = mkdtempSync(join(dirname(cached), '.build-'));
    try {
      await goInstall({ pkg: GO_PACKAGE, gobin, target: cached, what: `MinIO ${MINIO_VERSION}`, env: { GOFLAGS: '-mod=mod' }, onProgress });
      // Moved in one step: a killed build leaves no half-written binary at the cached path.
      renameSync(join(gobin, 'minio'), cached);
    } catch (err) {
      throw new FerryError(`no MinIO server: ${(err as Error).message}; fix the Go toolchain (or its module proxy access) and retry`, { cause: err });
    } finally {
      rmSync(gobin, { recursive: true, force: true });
    }
    return cached;
  });
}

export interface MinioServer {
  /** `http://127.0.0.1:<port>`: the S3 endpoint (`AWS_ENDPOINT_URL_S3`). */
  endpoint: string;
  /** Root credentials, generated per start (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`). */
  accessKey: string;
  secretKey: string;
  /** The region MinIO answers for (`AWS_REGION`). */
  region: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartMinioOptions extends MinioProvisionOptions {
  /** Where MinIO keeps its objects (created if missing). */
  dataDir: string;
  /** Port of the S3 API; default a free one. */
  port?: number;
  /** How long to wait for `/minio/health/ready` (default 60 s; slow on a busy machine). */
  readyTimeoutMs?: number;
}

/** Starts MinIO on loopback with fresh root credentials and waits until it is ready to serve requests. */
export async function startMinio(options: StartMinioOptions): Promise<MinioServer> {
  const binary = await provisionMinio(options);
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const consolePort = await freePort();
  const accessKey = `ferry${randomBytes(6).toString('hex')}`;
  const secretKey = randomBytes(24).toString('base64url');
  const region = 'us-east-1';
  const child = spawn(binary, ['server', options.dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    env: { ...inheritedEnv(), MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_REGION: region, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-2000);
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited === undefined) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new FerryError(`MinIO exited with ${exited} before it was ready: ${tail.trim().split('\n').slice(-3).join(' | ')}`);
    try {
      const res = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new FerryError(`MinIO on ${endpoint} was not ready within ${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s: ${tail.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { endpoint, accessKey, secretKey, region, pid: child.pid!, stop };
}
