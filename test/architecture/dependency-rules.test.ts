import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The layer rules `npm run lint` enforces (.dependency-cruiser.cjs), run on small trees with one deliberate violation
// each: the failure names the rule, so a broken layer says which rule it broke.
const root = resolve(import.meta.dirname, '../..');

async function violations(baseDir: string, entries: string[]): Promise<{ rule: string; from: string; to: string }[]> {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const { output } = await cruise(entries, { ...options, baseDir, tsConfig: { fileName: join(baseDir, 'tsconfig.json') }, validate: true });
  const result = output as ICruiseResult;
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('dependency rules', () => {
  let tree: string;
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), text);
  };

  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), 'ferry-layers-'));
    await write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', verbatimModuleSyntax: true } }));
    await write('package.json', JSON.stringify({ name: 'layers-fixture', type: 'module' }));
    await write('src/core/duration.ts', "export const second = 1000;\n");
    await write('src/core/clock.ts', "import { readFileSync } from 'node:fs';\nexport const clock = readFileSync;\n");
    await write('activities/steps.ts', "export async function runStep(): Promise<void> {}\n");
    await write('workflows/typed.ts', "import type { runStep } from '../activities/steps.js';\nimport { second } from '../src/core/duration.js';\nexport type Step = typeof runStep;\nexport const timeout = second;\n");
    await write('workflows/by-value.ts', "import { runStep } from '../activities/steps.js';\nexport const step = runStep;\n");
    await write('workflows/ping.ts', "import { pong } from './pong.js';\nexport const ping = () => pong;\n");
    await write('workflows/pong.ts', "import { ping } from './ping.js';\nexport const pong = () => ping;\n");
  });
  afterAll(async () => {
    await rm(tree, { recursive: true, force: true });
  });

  it('fail a core module that imports node:fs with core-no-node-api', async () => {
    expect(await violations(tree, ['src/core/clock.ts'])).toContainEqual({ rule: 'core-no-node-api', from: 'src/core/clock.ts', to: 'fs' });
  });

  it('fail a workflow that imports an activity by value with workflow-activities-type-only', async () => {
    expect(await violations(tree, ['workflows/by-value.ts'])).toContainEqual({ rule: 'workflow-activities-type-only', from: 'workflows/by-value.ts', to: 'activities/steps.ts' });
  });

  it('fail an import cycle with no-cycles', async () => {
    const found = await violations(tree, ['workflows/ping.ts']);
    const cycle = found.find((v) => v.rule === 'no-cycles');
    expect(cycle && [cycle.from, cycle.to].sort()).toEqual(['workflows/ping.ts', 'workflows/pong.ts']);
  });

  it('let a workflow import core by value and activities as types', async () => {
    expect(await violations(tree, ['workflows/typed.ts', 'src/core/duration.ts'])).toEqual([]);
  });

  it("pass on Ferry's own tree", async () => {
    expect(await violations(root, ['src', 'workflows', 'activities', 'bin', 'scripts', 'bench', 'pipelines', 'policies'])).toEqual([]);
  }, 120_000);
});
