import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureKinds } from '../../src/core/failures.js';
import { NON_RETRYABLE } from '../../workflows/presets.js';

const root = resolve(import.meta.dirname, '../..');
const files = (dir: string) =>
  readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));

describe('the failure catalogue', () => {
  it('names every failure type thrown by activities and workflows', () => {
    const thrown = ['src', 'activities', 'workflows'].flatMap(files).flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/ApplicationFailure\.(?:nonRetryable|retryable)\([^;]*?,\s*'([A-Za-z]+)'/gs)].map((m) => ({ file, type: m[1]! })),
    );
    expect(thrown.filter((t) => !(t.type in failureKinds))).toEqual([]);
  });

  it('is turned into ApplicationFailures in one place: no activity or library builds one but the failure interceptor', () => {
    const interceptor = 'src/temporal/failure-interceptor.ts';
    const builders = ['src', 'activities'].flatMap(files).filter((file) => file !== interceptor).flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/ApplicationFailure\.(?:nonRetryable|retryable|create|fromError)\(|new ApplicationFailure\(/g)].map(() => file),
    );
    expect(builders).toEqual([]);
    expect(readFileSync(join(root, interceptor), 'utf8')).toContain('ApplicationFailure.create(');
  });

  it('is what workflow code uses: no failure type written as a string there', () => {
    const strings = files('workflows').flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/(?:nonRetryable\([^;]*?,\s*|type === |=== )'([A-Z][A-Za-z]+)'/gs)].map((m) => `${file}: ${m[1]}`),
    );
    expect(strings).toEqual([]);
  });

  it('marks the activity retry policy non-retryable kinds as never retried', () => {
    for (const kind of NON_RETRYABLE) expect(failureKinds[kind as keyof typeof failureKinds]?.retry, kind).toBe('never');
  });
});

describe('zod errors', () => {
  it('are formatted by one function in Ferry (src/dsl/issues.ts firstIssue), not by hand', () => {
    // Workflow code keeps its own messages: they are in recorded histories. pipelines/ are user examples.
    const formatter = 'src/dsl/issues.ts';
    const byHand = ['src', 'activities'].flatMap(files).filter((file) => file !== formatter).flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/\.issues\[0\]/g)].map(() => file),
    );
    expect(byHand).toEqual([]);
  });
});
