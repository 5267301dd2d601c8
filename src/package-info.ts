import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest folder at or above `from` whose package.json is named `name`: a package's root, whether it runs from a
 * source checkout, from node_modules, or from a build output below the root.
 */
export function findPackageRoot(from: string, name: string): { root: string; version: string } | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return { root: dir, version: pkg.version ?? '0.0.0' };
    }
    if (dir === dirname(dir)) return undefined;
  }
}

/** Ferry's version, from its own package.json (`ferry --version`). */
export const FERRY_VERSION = findPackageRoot(dirname(fileURLToPath(import.meta.url)), 'ferry')?.version ?? 'unknown';
