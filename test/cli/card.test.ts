import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVersion } from '../../src/registry/index.js';
import { ferryOnDatabase as ferry } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registration } from '../registry/fixtures.js';

// `ferry card <ref>` renders a model card; `ferry model card <ref>` (the older form) still does, and a model named
// `card` is still reachable as `ferry model card@1`, because a model reference always carries an `@`.
describe('ferry card and a model named card', () => {
  let database: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-card-cli-'));
  beforeAll(async () => {
    database = await backends()[0]!.create();
    await registerVersion(database.db, registration('card', 'wf-card-1', { metrics: { accuracy: 0.93 } }));
    await registerVersion(database.db, registration('iris', 'wf-iris-1'));
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`ferry model card@1` shows version 1 of the model named card', async () => {
    const result = await ferry(['model', 'card@1', '--format', 'json'], database.url);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ model: 'card', version: 1, upstream: { run: 'wf-card-1' } });
  });

  it("`ferry card card@1` renders that model's card; --out writes it to a file", async () => {
    const md = await ferry(['card', 'card@1'], database.url);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Model card: card v1$/m);
    expect(md.stdout).toContain('0.93');
    const out = join(dir, 'card.html');
    const html = await ferry(['card', 'card@1', '--format', 'html', '--out', out], database.url);
    expect(html.code).toBe(0);
    expect(html.stderr).toBe(`Wrote the model card of card@1 to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('the older `ferry model card <ref>` renders the same card', async () => {
    const [older, newer] = await Promise.all([ferry(['model', 'card', 'iris@1', '--format', 'json'], database.url), ferry(['card', 'iris@1', '--format', 'json'], database.url)]);
    expect(older.code).toBe(0);
    // The same card, apart from the moment each was generated.
    const card = (stdout: string) => ({ ...JSON.parse(stdout), generatedAt: undefined });
    expect(card(older.stdout)).toEqual(card(newer.stdout));
    expect(JSON.parse(newer.stdout)).toMatchObject({ model: { name: 'iris' } });
  });

  it('refuses a second reference or --out on `ferry model`, naming `ferry card` (exit 2)', async () => {
    const two = await ferry(['model', 'iris@1', 'card@1'], database.url);
    expect(two.code).toBe(2);
    expect(two.stderr).toBe("ferry: ferry model iris@1 card@1: one version at a time; a model card is 'ferry card card@1'\n");
    const out = await ferry(['model', 'iris@1', '--out', join(dir, 'x')], database.url);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe("ferry: --out: ferry model prints to stdout; write a model card to a file with 'ferry card iris@1 --out <file>'\n");
  });
});
