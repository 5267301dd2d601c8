/**
 * Cached Python virtual environments: pinned requirements in, a ready interpreter out. A venv lives under
 * `~/.cache/ferry/venv/<hash>` (or `$FERRY_CACHE/venv/<hash>`), the hash covering the interpreter's version and the
 * sorted requirement lines, so the same pins on the same Python reuse one venv and any change gets a fresh one.
 * It is built the first time with progress lines (pip's own), in a temporary directory renamed into place when
 * complete: an interrupted build is never taken for a ready venv, and two processes building at once both end up
 * with a complete one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../core/errors.js';
import { envValue } from '../settings.js';

/** What to install. */
export interface VenvSpec {
  /** Requirement lines as pip reads them, each pinned (`name==version`), e.g. `['scipy==1.17.1']`. */
  requirements?: readonly string[];
  /**
   * Or a pinned `requirements.txt` or pip lock file (`pip-compile --generate-hashes`, `uv pip compile`): installed as
   * written with `pip install -r`, the venv keyed by the file's bytes.
   */
  requirementsFile?: string;
  /** Base interpreter; default `python3` on PATH. */
  python?: string;
}

/** A ready virtual environment. */
export interface Venv {
  /** Its directory. */
  dir: string;
  /** Its interpreter, to run scripts with. */
  python: string;
  /** The cache key: hash of the interpreter version and the requirements. */
  hash: string;
  /** Whether this call built it (false: it was in the cache). */
  created: boolean;
}

/** Options of {@link ensureVenv}. */
export interface EnsureVenvOptions {
  /** Cache root; default `$FERRY_CACHE` or `~/.cache/ferry`. */
  cacheDir?: string;
  /** Progress lines, the first time only; default: stderr. */
  log?: (line: string) => void;
}

const READY = '.ferry-venv-ready';

/** Default cache root for provisioned tools. */
export function ferryCacheDir(): string {
  return envValue('FERRY_CACHE') ?? join(homedir(), '.cache', 'ferry');
}

/**
 * Returns the venv for `spec`, building it first if the cache does not have it.
 * @example const { python } = await ensureVenv({ requirements: ['scipy==1.17.1'] })
 */
export async function ensureVenv(spec: VenvSpec, options: EnsureVenvOptions = {}): Promise<Venv> {
  const base = spec.python ?? 'python3';
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fromFile = spec.requirementsFile === undefined ? undefined : readRequirementsFile(spec.requirementsFile);
  for (const req of spec.requirements ?? []) {
    if (!PINNED.test(req.trim())) {
      throw new FerryError(`python venv: requirement "${req}" is not pinned; write it as name==version`);
    }
  }
  const version = spawnSync(base, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' });
  if (version.status !== 0) {
    throw new FerryError(`python venv: ${base} does not run (${(version.stderr || version.error?.message || '').trim()}); install Python 3`);
  }
  const requirements = [...(spec.requirements ?? [])].map((r) => r.trim()).sort();
  const contents = fromFile ?? `${requirements.join('\n')}\n`;
  const hash = createHash('sha256').update(`${version.stdout.trim()}\n${contents}`).digest('hex').slice(0, 16);
  const root = join(options.cacheDir ?? ferryCacheDir(), 'venv');
  const dir = join(root, hash);
  const python = join(dir, 'bin', 'python');
  if (existsSync(join(dir, READY))) return { dir, python, hash, created: false };

  mkdirSync(root, { recursive: true });
  const build = join(root, `${hash}.build-${process.pid}`);
  rmSync(build, { recursive: true, force: true });
  log(`python venv ${hash}: creating with ${base} (${version.stdout.trim().split(' ')[0]}) in ${dir}`);
  try {
    await run(base, ['-m', 'venv', build], log);
    if (spec.requirementsFile) copyFileSync(spec.requirementsFile, join(build, 'requirements.txt'));
    else writeFileSync(join(build, 'requirements.txt'), contents);
    log(`python venv ${hash}: pip install ${spec.requirementsFile ? `-r ${spec.requirementsFile}` : requirements.join(' ')}`);
    await run(join(build, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', join(build, 'requirements.txt')], log);
    writeFileSync(join(build, READY), `${new Date().toISOString()}\n`);
    // A venv's scripts name its directory; the interpreter itself does not care, `python -m` works after the move.
    try {
      renameSync(build, dir);
    } catch (err) {
      if (!existsSync(join(dir, READY))) throw err;
      rmSync(build, { recursive: true, force: true }); // another process finished first
    }
  } catch (err) {
    rmSync(build, { recursive: true, force: true });
    throw err instanceof FerryError ? err : new FerryError(`python venv ${hash}: ${(err as Error).message}`, { cause: err });
  }
  log(`python venv ${hash}: ready`);
  return { dir, python, hash, created: true };
}

const PINNED = /^[A-Za-z0-9._-]+(\[[^\]]+\])?==[^=\s;]+(\s*;.*)?$/;

/**
 * A requirements or lock file's text, after checking every requirement in it is pinned (`name==version`, hashes and
 * markers allowed; option lines such as `--index-url` pass): an unpinned line would make the cached venv differ from
 * one built later from the same file.
 */
function readRequirementsFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FerryError(`python venv: ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file; commit it or fix the step\'s requirements' : (err as Error).message}`);
  }
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  logical.forEach((raw) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line.startsWith('-')) return;
    const requirement = line.replace(/\s+--hash=\S+/g, '').trim();
    if (!PINNED.test(requirement)) {
      throw new FerryError(`python venv: ${file}: "${requirement}" is not pinned; write it as name==version (e.g. scikit-learn==1.5.2)`);
    }
  });
  return text;
}

function run(cmd: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        log(`  ${line}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new FerryError(`${cmd} ${args.join(' ')} exited ${code}: ${tail.slice(-3).join(' | ')}`)),
    );
  });
}
