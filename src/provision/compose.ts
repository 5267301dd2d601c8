import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FerryError } from '../core/errors.js';
import { ferryCacheDir, goInstall, goVersion, isExecutable, withCacheLock } from './tools.js';

/** The Compose release Ferry checks docker-compose.yml with; `go install` builds it without a Docker engine. */
export const COMPOSE_VERSION = 'v2.29.7';
const GO_PACKAGE = `github.com/docker/compose/v2/cmd@${COMPOSE_VERSION}`;

export interface ComposeOptions {
  /** Where the built binary is kept (default `~/.cache/ferry/compose/v2.29.7/docker-compose`). */
  cacheDir?: string;
  /** Progress lines (the first build takes minutes); stderr by default. */
  onProgress?: (line: string) => void;
}

/** The cached binary's path. */
export function composeCachePath(): string {
  return join(ferryCacheDir('compose', COMPOSE_VERSION), 'docker-compose');
}

/**
 * A Compose CLI as an argv prefix: `docker-compose` on PATH when it answers, else the pinned one in the cache, built
 * with `go install` the first time (Go ≥ 1.25). Only `config` is ever run with it, which needs no Docker engine, so a
 * `docker` binary on PATH is not relied on (a fresh machine has none).
 */
export async function provisionComposeCli(options: ComposeOptions = {}): Promise<string[]> {
  const onProgress = options.onProgress ?? ((line) => process.stderr.write(`${line}\n`));
  const cached = options.cacheDir ? join(options.cacheDir, 'docker-compose') : composeCachePath();
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  if (isExecutable(cached)) return [cached];

  const go = goVersion();
  if (!go || (go[0] === 1 && go[1] < 25)) {
    throw new FerryError(`no Compose CLI: ${go ? `Go ${go.join('.')} is older than 1.25` : 'Go is not installed'}; install Go ≥ 1.25 so Ferry can run 'go install ${GO_PACKAGE}', or put docker-compose on PATH`);
  }
  return withCacheLock(cached, `the Compose CLI ${COMPOSE_VERSION}`, onProgress, async () => {
    if (isExecutable(cached)) return [cached];
    mkdirSync(dirname(cached), { recursive: true });
    const gobin = mkdtempSync(join(dirname(cached), '.build-'));
    try {
      // GOFLAGS replaced: a user's flags (e.g. -mod=vendor) must not change how the pinned module builds.
      await goInstall({ pkg: GO_PACKAGE, gobin, target: cached, what: `the Compose CLI ${COMPOSE_VERSION}`, env: { GOFLAGS: '-mod=mod' }, onProgress });
      // The package path ends in /cmd, so Go names the binary `cmd`; moved in one step, a killed build leaves nothing.
      renameSync(join(gobin, 'cmd'), cached);
    } catch (err) {
      throw new FerryError(`no Compose CLI: ${(err as Error).message}; put docker-compose on PATH or fix the Go toolchain`, { cause: err });
    } finally {
      rmSync(gobin, { recursive: true, force: true });
    }
    return [cached];
  });
}
