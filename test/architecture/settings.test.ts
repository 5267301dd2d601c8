import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envValue, readEnv, secretFor, settingDeclarations } from '../../src/settings.js';

const root = resolve(import.meta.dirname, '../..');
/** Ferry's own code: everything but entry scripts (bin/, scripts/), benchmarks and tests, which may read their environment. */
const SOURCE_DIRS = ['src', 'activities', 'workflows', 'pipelines', 'policies'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('settings registry', () => {
  it('is the only code that reads process.env', () => {
    const readers = SOURCE_DIRS.flatMap(sourceFiles)
      .filter((file) => file !== 'src/settings.ts')
      .flatMap((file) =>
        readFileSync(join(root, file), 'utf8')
          .split('\n')
          .flatMap((line, i) => (/\bprocess\.env\b/.test(line) && !/^\s*(\/\/|\*)/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(readers, 'read the variable through src/settings.ts (declare it there, then envValue/readEnv)').toEqual([]);
  });

  it("lists every declared variable in the README's table", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const missing = settingDeclarations.filter((d) => !readme.includes(`| \`${d.name}\` |`)).map((d) => d.name);
    expect(missing).toEqual([]);
    expect(settingDeclarations.length).toBeGreaterThan(30);
  });

  it('names the variable, the problem and the fix when a value is invalid', () => {
    expect(() => readEnv({ TEMPORAL_ADDRESS: 'not an address' })).toThrow(/^environment variable TEMPORAL_ADDRESS: expected host:port, e\.g\. localhost:7233.*; fix or unset it$/);
    expect(readEnv({}).FERRY_HOME).toBe('.ferry');
    expect(envValue('FERRY_HOME', { FERRY_HOME: '' })).toBeUndefined();
  });

  it('gives each trust boundary its own secret, FERRY_WEBHOOK_SECRET as the fallback', () => {
    const both = { FERRY_WEBHOOK_SECRET: 'shared', FERRY_ALERT_SECRET: 'alerts-only' };
    expect(secretFor('alert', both)).toEqual({ name: 'FERRY_ALERT_SECRET', value: 'alerts-only' });
    expect(secretFor('deploy', both)).toEqual({ name: 'FERRY_DEPLOY_SECRET', value: 'shared' });
    expect(secretFor('push', both).value).toBe('shared');
    expect(secretFor('push', {}).value).toBeUndefined();
  });
});
