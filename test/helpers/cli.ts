import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `ferry` bin of this checkout. */
export const ferryBin = fileURLToPath(new URL('../../bin/ferry.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ferry …` to completion. */
export function runFerry(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ferryBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `ferry …` against a test database (PGlite's is a real wire-protocol URL) with no Temporal: TEMPORAL_ADDRESS
 * points nowhere, so these commands must not need it. FERRY_HOME is empty, so no running `ferry dev` is picked up.
 */
export function ferryOnDatabase(args: string[], databaseUrl: string): Promise<CliResult> {
  return runFerry(args, { env: { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: '127.0.0.1:7999', FERRY_HOME: mkdtempSync(join(tmpdir(), 'ferry-cli-')) } });
}

/** Starts a long-running `ferry …` (dev, worker, serve) and resolves once its stderr shows `ready`. */
export function startFerry(args: string[], ready: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ferryBin, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ferry ${args.join(' ')} was not ready in time:\n${output}`));
    }, options.timeoutMs ?? 120_000);
    const onData = (c: string) => {
      output += c;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ferry ${args.join(' ')} exited ${code} before it was ready:\n${output}`));
    });
  });
}

/** Processes whose command line mentions `needle` (e.g. a test's FERRY_HOME), from /proc. */
export async function processesMentioning(needle: string): Promise<string[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(needle) && Number(pid) !== process.pid) found.push(`${pid} ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Polls until `check` returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
