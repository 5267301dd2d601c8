import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVenv } from '../../src/python/venv.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The pinned lines of a requirements.txt (comments and blanks dropped). */
export function requirementsOf(file: string): string[] {
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/**
 * The cached venv of the Python example's requirements (built the first time, with progress), and a PATH that puts
 * its `python` first: what a command step running `python …` finds.
 */
export async function pythonExampleEnv(): Promise<{ python: string; path: string }> {
  const venv = await ensureVenv({ requirements: requirementsOf('pipelines/iris-python/requirements.txt') });
  return { python: venv.python, path: `${join(venv.dir, 'bin')}:${process.env.PATH ?? ''}` };
}
