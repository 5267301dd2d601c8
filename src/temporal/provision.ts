import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { FerryError } from '../errors.js';

/** The Temporal CLI release Ferry pins: the newest tag `go install` accepts (later tags carry `replace` directives). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export interface ProvisionOptions {
  /** `TEMPORAL_CLI` from the environment: an explicit path wins over everything. */
  explicitPath?: string;
  /** Where built or downloaded binaries are kept across clones (default `~/.cache/ferry/temporal/v1.5.1`). */
  cacheDir?: string;
  /** Progress lines (the first build takes minutes). */
  onProgress?: (line: string) => void;
}

/** The cache outside any repository, shared by fresh clones, CI and tests. */
export function temporalCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'ferry', 'temporal', TEMPORAL_CLI_VERSION);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function goVersion(): [number, number] | undefined {
  const out = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const match = /^go(\d+)\.(\d+)/.exec(out.stdout?.trim() ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Tries the SDK's own downloader into the cache; on machines without internet it fails at once. */
async function trySdkDownload(cacheDir: string): Promise<string | undefined> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: cacheDir } },
    });
    await env.teardown();
  } catch {
    return undefined;
  }
  const found = readdirSync(cacheDir).find((f) => f.startsWith('temporal') && isExecutable(join(cacheDir, f)));
  return found ? join(cacheDir, found) : undefined;
}

function goInstall(cacheDir: string, onProgress: (line: string) => void): Promise<void> {
  onProgress(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install into ${cacheDir} (first time only; several minutes)…`);
  const started = Date.now();
  const ticker = setInterval(() => onProgress(`  …still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['install', GO_PACKAGE], {
      env: { ...process.env, GOBIN: cacheDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-2000);
    });
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) {
        onProgress(`  built in ${Math.round((Date.now() - started) / 1000)} s`);
        resolve();
      } else reject(new Error(`go install ${GO_PACKAGE} exited ${code}: ${tail.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/**
 * Finds or provisions the `temporal` binary. Look-up order: `TEMPORAL_CLI` → `temporal` on PATH → the cache →
 * the SDK's cached download → `go install` into the cache (Go ≥ 1.25) → an error naming each option.
 */
export async function provisionTemporalCli(options: ProvisionOptions = {}): Promise<string> {
  const onProgress = options.onProgress ?? ((line) => process.stderr.write(`${line}\n`));
  if (options.explicitPath) {
    if (isExecutable(options.explicitPath)) return options.explicitPath;
    throw new FerryError(`TEMPORAL_CLI=${options.explicitPath} is not an executable file; point it at a temporal binary or unset it`, { exitCode: 2 });
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;

  const cacheDir = options.cacheDir ?? temporalCacheDir();
  const cached = join(cacheDir, 'temporal');
  if (isExecutable(cached)) return cached;
  mkdirSync(cacheDir, { recursive: true });

  const attempts: string[] = [];
  const downloaded = await trySdkDownload(cacheDir);
  if (downloaded) return downloaded;
  attempts.push("the Temporal SDK's download failed (no internet?)");

  const go = goVersion();
  if (go && (go[0] > 1 || go[1] >= 25)) {
    try {
      await goInstall(cacheDir, onProgress);
      if (isExecutable(cached)) return cached;
      attempts.push(`go install finished but ${cached} is missing`);
    } catch (err) {
      attempts.push((err as Error).message);
    }
  } else {
    attempts.push(go ? `Go ${go.join('.')} is older than 1.25` : 'Go is not installed');
  }
  throw new FerryError(
    `no Temporal CLI found (${attempts.join('; ')}). Fix one of: set TEMPORAL_CLI to a temporal binary; put temporal ${TEMPORAL_CLI_VERSION} on PATH; ` +
      `install Go ≥ 1.25 so Ferry can run 'go install ${GO_PACKAGE}'; or set TEMPORAL_ADDRESS to a running server`,
  );
}
