/**
 * `ferry init`: scaffolds a project whose pipeline and policies load and validate at once, completes an existing
 * package.json, and refuses to overwrite any file (exit 2, naming it). The full path — npm pack, install, init
 * --python, run, approve, serve — is test/adopt/fresh-project.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// No stack: nothing here may look for one.
const env = { TEMPORAL_ADDRESS: '', DATABASE_URL: '' };

/** A temp directory whose node_modules holds this checkout as `ferry` (and its zod), as an installed project's would. */
function project(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ferry-init-')), name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'ferry'));
  symlinkSync(join(root, 'node_modules', 'zod'), join(dir, 'node_modules', 'zod'));
  return dir;
}

describe('ferry init', () => {
  it('scaffolds a TypeScript project whose pipeline passes its policies as written', async () => {
    const dir = project('line-fit');
    const init = await runFerry(['init', dir], { env });
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('npx ferry run pipelines/line-fit.ts --wait');
    for (const file of ['package.json', 'ferry.config.ts', 'pipelines/line-fit.ts', 'steps/train.ts', 'steps/predictor.ts', 'data/points.csv', 'policies/production-needs-approval.ts', 'README.md']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: 'line-fit', type: 'module', devDependencies: { ferry: expect.stringMatching(/^file:/) } });
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.ferry\/$/m);
    const check = await runFerry(['policy', 'check', 'pipelines/line-fit.ts'], { cwd: dir, env });
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('pipelines/line-fit.ts: complies with');
    expect(check.code).toBe(0);
  }, 180_000);

  it('scaffolds a Python project (train.py, evaluate.py, pinned requirements.txt, a unit test) into an existing package.json', async () => {
    const dir = project('churn');
    writeFileSync(join(dir, 'package.json'), '{ "dependencies": { "ferry": "file:../ferry.tgz" } }\n');
    const init = await runFerry(['init', '--python', '--format', 'json'], { cwd: dir, env });
    expect(init.code).toBe(0);
    const result = JSON.parse(init.stdout) as { name: string; pipeline: string; written: string[]; packageJson: string; notes: string[] };
    expect(result).toMatchObject({ name: 'churn', pipeline: 'pipelines/churn.ts', packageJson: 'completed' });
    expect(result.written).toEqual(expect.arrayContaining(['train.py', 'evaluate.py', 'requirements.txt', 'tests/test_train.py', 'data/train.csv', 'pipelines/churn.ts', '.gitignore']));
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toEqual({ dependencies: { ferry: 'file:../ferry.tgz' }, type: 'module' });
    for (const line of readFileSync(join(dir, 'requirements.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z-]+==[\d.]+$/);
    const check = await runFerry(['policy', 'check', 'pipelines/churn.ts'], { cwd: dir, env });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
  }, 180_000);

  it('refuses to overwrite a file, naming it, and writes nothing', async () => {
    const dir = project('taken');
    mkdirSync(join(dir, 'pipelines'));
    writeFileSync(join(dir, 'pipelines', 'taken.ts'), '// mine\n');
    const init = await runFerry(['init', dir], { env });
    expect(init.code).toBe(2);
    expect(init.stderr.trim()).toBe(`ferry: ${join(dir, 'pipelines', 'taken.ts')} already exists; ferry init writes only new files: move it away or init another directory (ferry init <dir>)`);
    expect(readFileSync(join(dir, 'pipelines', 'taken.ts'), 'utf8')).toBe('// mine\n');
    expect(existsSync(join(dir, 'ferry.config.ts'))).toBe(false);
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
  }, 120_000);

  it('says in one line what to add when package.json lacks "type": "module"', async () => {
    const dir = project('cjs');
    writeFileSync(join(dir, 'package.json'), '{ "name": "cjs" }\n');
    mkdirSync(join(dir, 'pipelines'));
    writeFileSync(join(dir, 'pipelines', 'cjs.ts'), "import { command, definePipeline } from 'ferry';\nexport default definePipeline({ name: 'cjs', build: [command('a', 'true')] });\n");
    const check = await runFerry(['policy', 'check', 'pipelines/cjs.ts'], { cwd: dir, env });
    expect(check.code).toBe(2);
    expect(check.stderr.trim()).toBe(`ferry: pipelines/cjs.ts: cannot be loaded: ${join(dir, 'package.json')} has no "type"; add "type": "module" to it (Ferry's pipelines and ferry.config.ts are ES modules)`);
  }, 120_000);
});
