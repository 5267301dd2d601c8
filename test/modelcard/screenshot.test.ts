/**
 * The HTML model card in headless Chromium (a system one, else the npm build Ferry unpacks into its cache): the screenshot
 * has the window's size and carries far more ink than an empty page taken the same way (decoding the PNG would be heavy;
 * its compressed size tells blank from drawn).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderModelCard } from '../../src/modelcard/index.js';
import { screenshot as takeScreenshot } from '../../src/provision/chromium.js';
import { exampleCard } from './example-card.js';

const WIDTH = 1200;
const HEIGHT = 2400;
const dir = mkdtempSync(join(tmpdir(), 'ferry-card-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Screenshots an HTML page written to a local file. */
async function screenshot(html: string, name: string): Promise<string> {
  const page = join(dir, `${name}.html`);
  const png = join(dir, `${name}.png`);
  writeFileSync(page, html);
  await takeScreenshot(page, { out: png, width: WIDTH, height: HEIGHT });
  return png;
}

/** Width and height from the PNG's IHDR chunk (signature, length, "IHDR", then two big-endian 32-bit integers). */
function pngSize(file: string): { width: number; height: number } {
  const head = readFileSync(file).subarray(0, 24);
  expect(head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(head.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

describe('model card in headless Chromium', () => {
  it('renders the example card with its charts to a full-size, non-blank screenshot', async () => {
    const html = renderModelCard(await exampleCard(), 'html');
    for (const chart of ['importance-chart', 'group-chart', 'reliability-chart']) expect(html).toContain(`class="chart ${chart}"`);

    const card = await screenshot(html, 'card');
    const empty = await screenshot('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>', 'empty');
    expect(pngSize(card)).toEqual({ width: WIDTH, height: HEIGHT });
    expect(pngSize(empty)).toEqual({ width: WIDTH, height: HEIGHT });
    expect(statSync(card).size).toBeGreaterThan(10 * statSync(empty).size);
  });
});
