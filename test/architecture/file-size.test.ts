import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const MAX_LINES = 300;
/** The ported scipy special functions: long by nature, kept line for line with their C originals. */
const PORTS = new Set(['src/drift/special.ts', 'src/drift/smirnov.ts', 'src/drift/kstwo.ts', 'src/drift/double-double.ts']);
const SOURCE_DIRS = ['src', 'activities', 'workflows', 'pipelines', 'policies', 'bin', 'scripts', 'bench'];

describe('source files', () => {
  it(`stay at or under ${MAX_LINES} lines (split a longer one by concern)`, () => {
    const long = SOURCE_DIRS.flatMap((dir) =>
      readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name))
        .map((e) => relative(root, join(e.parentPath, e.name))),
    )
      .filter((file) => !PORTS.has(file))
      .map((file) => ({ file, lines: readFileSync(join(root, file), 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
