import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** A Compose CLI: the docker plugin, docker-compose on PATH, or the one .ci/run builds into the cache. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  const cached = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ferry', 'bin', 'docker-compose');
  return existsSync(cached) ? [cached] : undefined;
}

const compose = composeCommand();
const root = fileURLToPath(new URL('../..', import.meta.url));

// Runs wherever a Compose CLI exists (CI builds one); without one it is reported as skipped, not passed.
describe.skipIf(!compose)('docker compose config', () => {
  it('accepts the production-like stack', () => {
    const [command, ...args] = compose!;
    const out = execFileSync(command!, [...args, '-f', 'docker-compose.yml', 'config', '--services'], { cwd: root, encoding: 'utf8' });
    expect(out.trim().split('\n').sort()).toEqual(expect.arrayContaining(['grafana', 'postgres', 'prometheus', 'serve', 'temporal', 'temporal-ui', 'worker']));
  });
});
