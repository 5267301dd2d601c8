import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { provisionChromium, screenshot } from '../../src/provision/chromium.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-chromium-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('headless Chromium provisioning', () => {
  it('refuses a CHROMIUM that is not an executable, naming the variable', async () => {
    const err = await provisionChromium({ explicitPath: join(dir, 'nope') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`CHROMIUM=${join(dir, 'nope')} is not an executable file; point it at a Chromium or Chrome binary, or unset it`);
  });

  it('prefers CHROMIUM, then a chromium on PATH, over the npm build', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const fake = join(bin, 'chromium');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(await provisionChromium({ explicitPath: fake })).toMatchObject({ executablePath: fake, source: 'CHROMIUM', headless: true });
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      expect(await provisionChromium()).toMatchObject({ executablePath: fake, source: 'path' });
    } finally {
      process.env.PATH = path;
    }
  });

  it('unpacks the npm build into an empty cache once, saying so, even when asked twice at the same time', async () => {
    const cacheDir = join(dir, 'cache', '147');
    const progress: string[] = [];
    const [a, b] = await Promise.all([0, 1].map(() => provisionChromium({ ignorePath: true, cacheDir, onProgress: (line) => progress.push(line) })));
    expect(a!.executablePath).toBe(join(cacheDir, 'chromium'));
    expect(b!.executablePath).toBe(a!.executablePath);
    expect(progress.filter((line) => line.startsWith('Unpacking headless Chromium'))).toHaveLength(1);
    expect(statSync(a!.executablePath).mode & 0o111).not.toBe(0);
    for (const file of ['libGLESv2.so', 'lib/libnss3.so', 'fonts/fonts.conf']) expect(existsSync(join(cacheDir, file)), file).toBe(true);

    progress.length = 0;
    expect((await provisionChromium({ ignorePath: true, cacheDir, onProgress: (line) => progress.push(line) })).source).toBe('npm');
    expect(progress).toEqual([]);
  });

  it('runs the npm build on its own NSS libraries and fonts, and screenshots a page', async () => {
    const chromium = await provisionChromium({ ignorePath: true, cacheDir: join(dir, 'cache', '147') });
    const page = join(dir, 'page.html');
    writeFileSync(page, '<!doctype html><html><body><h1 style="font-family: Open Sans">Ferry</h1><svg width="400" height="300"><rect width="300" height="200" fill="teal"/></svg></body></html>');

    // The libraries the browser process mapped: NSS comes from the cache, not from a system package.
    const browser = await puppeteer.launch({ executablePath: chromium.executablePath, headless: chromium.headless, args: chromium.args, env: { ...process.env, ...chromium.env } });
    try {
      const maps = readFileSync(`/proc/${browser.process()!.pid}/maps`, 'utf8');
      expect(maps).toContain(join(dir, 'cache', '147', 'lib', 'libnss3.so'));
      const tab = await browser.newPage();
      await tab.goto(pathToFileURL(page).href);
      // The heading is drawn in Open Sans, which only the unpacked fonts/ provides.
      const cdp = await tab.createCDPSession();
      await cdp.send('DOM.enable');
      await cdp.send('CSS.enable');
      const { root } = await cdp.send('DOM.getDocument');
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'h1' });
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      expect(fonts.map((f) => f.familyName)).toContain('Open Sans');
    } finally {
      await browser.close();
    }

    const out = join(dir, 'page.png');
    await screenshot(page, { out, width: 640, height: 480, chromium });
    const png = readFileSync(out);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 480]);
  });
});
