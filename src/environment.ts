import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from './artifacts/store.js';

const exec = promisify(execFile);

/** Lockfiles whose hashes pin a run's dependencies. */
const LOCKFILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'requirements.txt', 'poetry.lock', 'uv.lock', 'Pipfile.lock', 'go.sum', 'Cargo.lock'];

async function version(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await exec(command, args, { timeout: 10_000 });
    return (stdout || stderr).trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

// Runtime versions do not change while a worker runs: ask once per process, not once per run.
let runtimes: Promise<[string | undefined, string | undefined]> | undefined;

/** The recorded environment of a run: runtime versions, OS, and sha256 of the workspace's lockfiles. */
export async function fingerprintEnvironment(workspace: string): Promise<Record<string, unknown>> {
  const lockfiles: Record<string, string> = {};
  for (const name of LOCKFILES) {
    const path = join(workspace, name);
    if (existsSync(path)) lockfiles[name] = await sha256File(path);
  }
  runtimes ??= Promise.all([version('python3', ['--version']), version('git', ['--version'])]);
  const [python, git] = await runtimes;
  return { node: process.version, python, git, os: `${platform()} ${release()} ${arch()}`, lockfiles };
}
