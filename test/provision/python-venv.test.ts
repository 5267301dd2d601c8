/** ensureVenv: builds a real venv once per (interpreter, pins), reuses it, and refuses unpinned requirements. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ensureVenv } from '../../src/provision/python-venv.js';
import { FerryError } from '../../src/core/errors.js';

describe('ensureVenv', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ferry-venv-'));

  it('builds a venv with progress the first time and reuses it after', async () => {
    const lines: string[] = [];
    const first = await ensureVenv({ requirements: [] }, { cacheDir, log: (l) => lines.push(l) });
    expect(first.created).toBe(true);
    expect(lines.some((l) => l.includes('creating'))).toBe(true);
    expect(existsSync(first.python)).toBe(true);
    const prefix = spawnSync(first.python, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' }).stdout.trim();
    expect(prefix).toBe(first.dir);
    const again = await ensureVenv({ requirements: [] }, { cacheDir, log: (l) => lines.push(`again ${l}`) });
    expect(again).toEqual({ ...first, created: false });
    expect(lines.some((l) => l.startsWith('again'))).toBe(false);
  }, 180_000);

  it('keys the venv by its pins: other pins, another directory; unpinned lines are refused', async () => {
    const a = await ensureVenv({ requirements: [] }, { cacheDir, log: () => {} });
    await expect(ensureVenv({ requirements: ['scipy'] }, { cacheDir, log: () => {} })).rejects.toThrow(FerryError);
    await expect(ensureVenv({ requirements: ['scipy>=1'] }, { cacheDir, log: () => {} })).rejects.toThrow(
      'python venv: requirement "scipy>=1" is not pinned; write it as name==version',
    );
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
  }, 180_000);

  it('installs a requirements or lock file as written, keyed by its bytes, and refuses an unpinned line naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-reqs-'));
    const file = join(dir, 'requirements.txt');
    writeFileSync(file, '# nothing third-party\n--prefer-binary\n');
    const first = await ensureVenv({ requirementsFile: file }, { cacheDir, log: () => {} });
    expect(existsSync(first.python)).toBe(true);
    expect((await ensureVenv({ requirementsFile: file }, { cacheDir, log: () => {} })).created).toBe(false);
    writeFileSync(file, 'scikit-learn==1.5.2 \\\n    --hash=sha256:aaaa\nnumpy>=2\n');
    await expect(ensureVenv({ requirementsFile: file }, { cacheDir, log: () => {} })).rejects.toThrow(
      `python venv: ${file}: "numpy>=2" is not pinned; write it as name==version (e.g. scikit-learn==1.5.2)`,
    );
    await expect(ensureVenv({ requirementsFile: join(dir, 'missing.txt') }, { cacheDir, log: () => {} })).rejects.toThrow('no such file');
  }, 180_000);
});
