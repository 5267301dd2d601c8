import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/errors.js';
import { ferryCacheDir, goInstall, goVersion, isExecutable, onPath } from '../provision/tools.js';

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
  return ferryCacheDir('temporal', TEMPORAL_CLI_VERSION);
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
      await goInstall({ pkg: GO_PACKAGE, gobin: cacheDir, what: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`, onProgress });
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
