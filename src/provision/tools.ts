import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { envValue, inheritedEnv } from '../settings.js';

/**
 * What every tool Ferry provisions shares: one cache outside any repository (`~/.cache/ferry`, or under
 * `XDG_CACHE_HOME`), executable look-ups, a lock so parallel test files and worktrees build a tool once, and `go install`
 * with progress lines.
 */

/** A directory in Ferry's cache, e.g. `ferryCacheDir('bin')` → `~/.cache/ferry/bin`. */
export function ferryCacheDir(...parts: string[]): string {
  return join(envValue('XDG_CACHE_HOME') || join(homedir(), '.cache'), 'ferry', ...parts);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` found on PATH. */
export function onPath(...names: string[]): string | undefined {
  for (const name of names) {
    for (const dir of (inheritedEnv().PATH ?? '').split(delimiter)) {
      if (dir && isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** `[major, minor]` of the `go` on PATH, or undefined without one. */
export function goVersion(): [number, number] | undefined {
  const out = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const match = /^go(\d+)\.(\d+)/.exec(out.stdout?.trim() ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs `fn` holding the lock `<path>.lock` (a directory: creating it is atomic). Another live holder is waited for,
 * saying so once; a holder that died is cleared. Two test files or two worktrees then build a tool once, not twice.
 */
export async function withCacheLock<T>(path: string, what: string, onProgress: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // the holder has created the lock but not written its pid yet
      }
      if (Number.isInteger(holder) && !alive(holder)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told && Number.isInteger(holder)) onProgress(`Waiting for process ${holder}, which is preparing ${what}…`);
      told ||= Number.isInteger(holder);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface GoInstallOptions {
  /** `module/path/cmd@version`. */
  pkg: string;
  /** Where the binary ends up (its name is the package path's last element). */
  gobin: string;
  /** What is built, for the progress lines, e.g. `the Temporal CLI v1.5.1`. */
  what: string;
  /** Where the binary is kept at last, for the progress line (default `gobin`). */
  target?: string;
  /** Extra environment, e.g. `GOFLAGS`. */
  env?: NodeJS.ProcessEnv;
  onProgress: (line: string) => void;
}

/** `go install <pkg>` into `gobin`, with a progress line every 30 s; a failure names the last lines Go printed. */
export function goInstall(options: GoInstallOptions): Promise<void> {
  const { pkg, gobin, what, onProgress } = options;
  onProgress(`Building ${what} with go install into ${options.target ?? gobin} (first time only; several minutes)…`);
  return runGo(['install', pkg], { what, onProgress, env: { ...options.env, GOBIN: gobin } });
}

export interface RunGoOptions {
  /** What is built, for the progress lines. */
  what: string;
  /** Working directory (a module to build in). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onProgress: (line: string) => void;
}

/** Runs `go <args>`, with a progress line every 30 s; a failure names the last lines Go printed. */
export function runGo(args: string[], options: RunGoOptions): Promise<void> {
  const { what, onProgress } = options;
  const started = Date.now();
  const ticker = setInterval(() => onProgress(`  …still building ${what} (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd: options.cwd, env: { ...inheritedEnv(), ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-2000);
    });
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) {
        onProgress(`  go ${args[0]} done in ${Math.round((Date.now() - started) / 1000)} s`);
        resolve();
      } else reject(new Error(`go ${args.join(' ')} exited ${code}: ${tail.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
