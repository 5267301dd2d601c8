import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/errors.js';
import { ferryCacheDir, goInstall, goVersion, isExecutable, withCacheLock } from '../provision/tools.js';

/**
 * Temporal Server itself (not the CLI's dev server): the release Ferry's cluster tests run on PostgreSQL, built with
 * `go install` (the module has no `replace` directives) into `~/.cache/ferry/temporal-server/1.29.1/`, with the SQL
 * tool that creates its schema and the schema files and sample config of the same module version beside them.
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';

export interface TemporalServerBinaries {
  /** `temporal-server` (the module's `cmd/server`): `--config-file … start --service frontend`. */
  server: string;
  /** `temporal-sql-tool` (the module's `cmd/tools/sql`): create-database, setup-schema, update-schema. */
  sqlTool: string;
  /** `schema/postgresql/v12/{temporal,visibility}/versioned` of the same module version. */
  schemaDir: string;
  /** The module's `config/development-postgres12.yaml`, the template of a cluster's config. */
  configTemplate: string;
}

export function temporalServerCacheDir(): string {
  return ferryCacheDir('temporal-server', TEMPORAL_SERVER_VERSION);
}

function binariesIn(dir: string): TemporalServerBinaries {
  return {
    server: join(dir, 'temporal-server'),
    sqlTool: join(dir, 'temporal-sql-tool'),
    schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
    configTemplate: join(dir, 'config', 'development-postgres12.yaml'),
  };
}

function complete(b: TemporalServerBinaries): boolean {
  return isExecutable(b.server) && isExecutable(b.sqlTool) && existsSync(join(b.schemaDir, 'temporal', 'versioned')) && existsSync(b.configTemplate);
}

/** The module's source in Go's module cache (there after `go install`; `go mod download` brings it back otherwise). */
function moduleSource(): string {
  const modcache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  const dir = join(modcache, `${MODULE}@v${TEMPORAL_SERVER_VERSION}`);
  if (!existsSync(dir)) spawnSync('go', ['mod', 'download', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], { stdio: 'ignore' });
  if (!existsSync(dir)) throw new FerryError(`Go's module cache has no ${MODULE}@v${TEMPORAL_SERVER_VERSION} after go mod download (no network?)`);
  return dir;
}

/**
 * Finds or builds Temporal Server 1.29.1 and its SQL tool in the cache (once per machine, under the cache lock; the
 * first build takes minutes with progress lines). Needs Go ≥ 1.25; without it, one line says so.
 */
export async function provisionTemporalServer(options: { cacheDir?: string; onProgress?: (line: string) => void } = {}): Promise<TemporalServerBinaries> {
  const onProgress = options.onProgress ?? ((line) => process.stderr.write(`${line}\n`));
  const dir = options.cacheDir ?? temporalServerCacheDir();
  const found = binariesIn(dir);
  if (complete(found)) return found;
  return withCacheLock(dir, `Temporal Server ${TEMPORAL_SERVER_VERSION}`, onProgress, async () => {
    if (complete(found)) return found;
    const go = goVersion();
    if (!go || (go[0] === 1 && go[1] < 25)) {
      throw new FerryError(`no Temporal Server ${TEMPORAL_SERVER_VERSION}: ${go ? `Go ${go.join('.')} is older than 1.25` : 'Go is not installed'}; install Go ≥ 1.25 so Ferry can run 'go install ${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}'`);
    }
    const build = join(dir, 'build');
    mkdirSync(build, { recursive: true });
    for (const [pkg, built, name] of [['cmd/server', 'server', 'temporal-server'], ['cmd/tools/sql', 'sql', 'temporal-sql-tool']] as const) {
      const target = join(dir, name);
      if (isExecutable(target)) continue;
      await goInstall({ pkg: `${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION}`, gobin: build, target, what: `${name} ${TEMPORAL_SERVER_VERSION}`, onProgress });
      renameSync(join(build, built), target);
    }
    rmSync(build, { recursive: true, force: true });
    const source = moduleSource();
    cpSync(join(source, 'schema', 'postgresql', 'v12'), found.schemaDir, { recursive: true });
    mkdirSync(join(dir, 'config'), { recursive: true });
    cpSync(join(source, 'config', 'development-postgres12.yaml'), found.configTemplate);
    if (!complete(found)) throw new FerryError(`Temporal Server ${TEMPORAL_SERVER_VERSION} was built but ${dir} is incomplete; delete it and run again`);
    return found;
  });
}
