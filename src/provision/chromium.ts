import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { FerryError, UsageError } from '../core/errors.js';
import { findPackageRoot } from '../package-info.js';
import { ferryCacheDir, isExecutable, onPath, withCacheLock } from './tools.js';
import { envValue, inheritedEnv } from '../settings.js';

/**
 * A headless Chromium for screenshots (model cards, drift reports): a system Chromium when there is one, otherwise the
 * one the npm package `@sparticuz/chromium` ships (brotli-compressed inside the package, so `npm install` brings it
 * without install scripts or downloads), unpacked once into `~/.cache/ferry/chromium/<version>/`. Driven with
 * puppeteer-core. Both packages are devDependencies: only tests and tools take screenshots.
 */

/** Names a system Chromium goes by on PATH, in order. */
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** Flags for a system Chromium: headless, off the network, no first-run work. */
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars'];

export interface ChromiumBinary {
  executablePath: string;
  /** `CHROMIUM` (explicit), `path` (a system Chromium) or `npm` (unpacked from @sparticuz/chromium). */
  source: 'CHROMIUM' | 'path' | 'npm';
  /** The npm build is chrome-headless-shell; a system Chromium runs its new headless mode. */
  headless: true | 'shell';
  args: string[];
  /** Environment the binary needs (the npm build: its own NSS libraries and fonts). */
  env: Record<string, string>;
}

export interface ChromiumOptions {
  /** `CHROMIUM` from the environment: a path to a Chromium or Chrome binary; wins over everything. */
  explicitPath?: string;
  /** Use the npm build even when a system Chromium is on PATH (tests of the provisioning). */
  ignorePath?: boolean;
  /** Where the npm build is unpacked (default `~/.cache/ferry/chromium/<version>`). */
  cacheDir?: string;
  /** Progress lines (the first unpacking takes some seconds); stderr by default. */
  onProgress?: (line: string) => void;
}

const require = createRequire(import.meta.url);

/** The installed @sparticuz/chromium: its version (pinned in package.json) and its folder of compressed files. */
function npmChromium(): { version: string; bin: string } {
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    throw new FerryError(
      "no Chromium: none on PATH and @sparticuz/chromium is not installed (a devDependency of Ferry: run 'npm install' in Ferry's checkout), or set CHROMIUM to a Chromium binary",
    );
  }
  // Its exports do not include package.json: walk up from the entry point to the package's root.
  const pkg = findPackageRoot(dirname(entry), '@sparticuz/chromium');
  if (!pkg) throw new FerryError(`no Chromium: cannot find the package root of @sparticuz/chromium above ${entry}; reinstall it with 'npm install'`);
  return { version: pkg.version, bin: join(pkg.root, 'bin') };
}

/** The npm build's folder in the cache, once unpacked: `chromium`, SwiftShader, `lib/` (NSS) and `fonts/`. */
export function chromiumCacheDir(version = npmChromium().version): string {
  return ferryCacheDir('chromium', version);
}

async function unbrotli(file: string, to: NodeJS.WritableStream): Promise<void> {
  await pipeline(createReadStream(file), createBrotliDecompress({ chunkSize: 2 ** 21 }), to);
}

/** Unpacks the package's files into `dir` (which must not exist yet) through a temporary sibling, renamed at the end. */
async function unpack(bin: string, dir: string, version: string, onProgress: (line: string) => void): Promise<void> {
  onProgress(`Unpacking headless Chromium ${version} from @sparticuz/chromium into ${dir} (first time only; about 200 MB)…`);
  mkdirSync(dirname(dir), { recursive: true });
  const partial = mkdtempSync(`${dir}.partial-`);
  try {
    const { extract } = await import('tar-fs');
    await unbrotli(join(bin, 'chromium.br'), createWriteStream(join(partial, 'chromium'), { mode: 0o755 }));
    // SwiftShader (software GL) beside the binary, which loads it from its own folder; lib/ holds the NSS and expat
    // libraries the build links against, so no system package is needed; fonts/ holds Open Sans.
    for (const [archive, into] of [['swiftshader.tar.br', partial], ['al2023.tar.br', partial], ['fonts.tar.br', join(partial, 'fonts')]] as const) {
      await unbrotli(join(bin, archive), extract(into));
    }
    // The package's fonts.conf names Lambda's folders: point fontconfig at ours, and at the system's fonts if any.
    writeFileSync(
      join(partial, 'fonts', 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        `  <dir>${join(dir, 'fonts', 'fonts')}</dir>`,
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <cachedir>${join(dir, 'fonts', 'cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    renameSync(partial, dir);
    onProgress('  unpacked');
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Finds or provisions a headless Chromium. Look-up order: `CHROMIUM` → a system Chromium on PATH (`chromium`,
 * `chromium-browser`, `google-chrome-stable`, `google-chrome`) → @sparticuz/chromium unpacked into the cache (Linux x64/arm64).
 * @example const chromium = await provisionChromium({ explicitPath: envValue('CHROMIUM') });
 */
export async function provisionChromium(options: ChromiumOptions = {}): Promise<ChromiumBinary> {
  const onProgress = options.onProgress ?? ((line) => process.stderr.write(`${line}\n`));
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) throw new UsageError(`CHROMIUM=${options.explicitPath} is not an executable file; point it at a Chromium or Chrome binary, or unset it`);
    return { executablePath: options.explicitPath, source: 'CHROMIUM', headless: true, args: SYSTEM_ARGS, env: {} };
  }
  const system = options.ignorePath ? undefined : onPath(...SYSTEM_NAMES);
  if (system) return { executablePath: system, source: 'path', headless: true, args: SYSTEM_ARGS, env: {} };

  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new FerryError(`no Chromium: @sparticuz/chromium ships Linux x64/arm64 builds only (this is ${process.platform}/${process.arch}); set CHROMIUM to Chrome's or Chromium's binary`);
  }
  const { version, bin } = npmChromium();
  const dir = options.cacheDir ?? chromiumCacheDir(version);
  const executablePath = join(dir, 'chromium');
  if (!existsSync(executablePath)) {
    await withCacheLock(dir, `headless Chromium ${version}`, onProgress, async () => {
      if (!existsSync(executablePath)) await unpack(bin, dir, version, onProgress);
    });
  }
  const { default: sparticuz } = await import('@sparticuz/chromium');
  return {
    executablePath,
    source: 'npm',
    headless: 'shell',
    // The package's flags for its build (headless shell, single process, SwiftShader), minus what would reach out.
    args: [...sparticuz.args, '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    env: { LD_LIBRARY_PATH: [join(dir, 'lib'), inheritedEnv().LD_LIBRARY_PATH].filter(Boolean).join(':'), FONTCONFIG_PATH: join(dir, 'fonts') },
  };
}

export interface ScreenshotOptions {
  /** The PNG to write. */
  out: string;
  width: number;
  height: number;
  chromium?: ChromiumBinary;
}

/**
 * Opens a local HTML file in headless Chromium and writes a PNG of the window (`width` × `height`).
 * @example await screenshot('reports/card.html', { out: 'card.png', width: 1200, height: 2400 });
 */
export async function screenshot(htmlFile: string, options: ScreenshotOptions): Promise<void> {
  const chromium = options.chromium ?? (await provisionChromium({ explicitPath: envValue('CHROMIUM') }));
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'ferry-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromium.executablePath,
    headless: chromium.headless,
    args: chromium.args,
    env: { ...inheritedEnv(), ...chromium.env },
    userDataDir: profile,
    defaultViewport: { width: options.width, height: options.height },
  });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    await page.screenshot({ path: options.out as `${string}.png` });
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
