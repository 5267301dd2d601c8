import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { provisionComposeCli } from '../../src/provision/compose.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The real Compose CLI's `config` (no Docker engine needed): docker-compose on PATH, else the pinned one Ferry builds
// into ~/.cache/ferry/compose/ with go install the first time (minutes, with progress lines on stderr).
describe('docker compose config', () => {
  it('accepts the production-like stack', { timeout: 30 * 60_000 }, async () => {
    const [command, ...args] = await provisionComposeCli();
    const out = execFileSync(command!, [...args, '-f', 'docker-compose.yml', 'config', '--services'], { cwd: root, encoding: 'utf8' });
    expect(out.trim().split('\n').sort()).toEqual(expect.arrayContaining(['grafana', 'minio', 'minio-bucket', 'postgres', 'prometheus', 'serve', 'temporal', 'temporal-ui', 'webhook', 'worker', 'worker-2', 'worker-gpu']));

    // The same check refuses a file Compose would not run: it is a real check, not a parse.
    const dir = mkdtempSync(join(tmpdir(), 'ferry-compose-'));
    try {
      writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx:1.27\n    bogus: 1\n');
      const bad = spawnSync(command!, [...args, '-f', join(dir, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain('bogus');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what to install when neither a Compose CLI nor Go is there', async () => {
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'ferry-empty-path-'));
    try {
      await expect(provisionComposeCli({ cacheDir: process.env.PATH })).rejects.toThrow(
        "no Compose CLI: Go is not installed; install Go ≥ 1.25 so Ferry can run 'go install github.com/docker/compose/v2/cmd@v2.29.7', or put docker-compose on PATH",
      );
    } finally {
      rmSync(process.env.PATH, { recursive: true, force: true });
      process.env.PATH = path;
    }
  });
});
