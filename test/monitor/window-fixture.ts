/** The window-read tests' data: a training reference and logged inputs holding every kind of cell the log can hold. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The training reference: x numeric, city text, score numeric (text in the window), code text (numbers in the window). */
export function referenceCsv(dir: string): { path: string; sha256: string } {
  const lines = ['x,city,score,code,flag'];
  for (let i = 0; i < 300; i++) lines.push(`${(i % 50) / 5},${['oslo', 'rome', 'lima'][i % 3]},${i % 11},${['a1', 'b2'][i % 2]},${i % 2 ? 'true' : 'false'}`);
  const text = `${lines.join('\n')}\n`;
  const path = join(dir, 'reference.csv');
  writeFileSync(path, text);
  return { path, sha256: createHash('sha256').update(text).digest('hex') };
}

/** A logged input of the window: every kind of cell the log can hold, drifted against the reference. */
export function input(i: number): Record<string, unknown> {
  return {
    x: i % 9 === 0 ? null : i % 4 === 0 ? String(3 + (i % 30) / 3) : 3 + (i % 30) / 3,
    ...(i % 13 === 0 ? {} : { city: i % 5 === 0 ? 'pune' : ['oslo', 'rome', 'lima'][i % 3] }),
    score: i % 17 === 0 ? 'n/a' : i % 11,
    code: i % 7,
    flag: i % 3 === 0,
    extra: 'not in the reference',
  };
}

/** How a check types the reference's columns against these inputs: text where the typing contract says text. */
export const judgedTypes = [
  ['x', 'numeric'],
  ['city', 'categorical'],
  ['score', 'categorical'],
  ['code', 'categorical'],
  ['flag', 'categorical'],
];

/** The i-th logged prediction: of `model`'s version 2 mostly, some of another model or version, some failed. */
export function logged(i: number, model: string) {
  return {
    requestId: `${model}-${i}`,
    model: i % 10 === 9 ? 'other' : model,
    version: i % 15 === 14 ? 1 : 2,
    env: 'production',
    inputs: input(i),
    outputs: { y: 1 },
    error: i % 23 === 22 ? 'model failed' : null,
    latencyMs: 1,
  };
}
