import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { FerryError } from '../src/core/errors.js';
import { sandboxAvailable, sandboxSpawn, type Sandbox } from './step-sandbox.js';

export { sandboxFor } from './step-sandbox.js';

/**
 * Command steps isolated from the worker: with `FERRY_STEP_USER` set (a user name or uid; the worker must run as root),
 * each command runs under that unprivileged user (setpriv: new uid/gid, no supplementary groups). The worker's files
 * stay its own — FERRY_HOME is search-only (0711) for the step, its secrets (pg-password) 0600, private keys are not in
 * FERRY_HOME at all — and /proc/<worker pid>/environ and /proc/<worker pid>/mem are unreadable across users. Only the
 * run's workspace and the step's output directory are handed to the step user.
 */
export interface StepUser {
  uid: number;
  gid: number;
  name: string;
}

/** Resolves `FERRY_STEP_USER` (name or numeric uid) with `id`; a user that does not exist is a clear error. */
export function stepUserFrom(value: string | undefined): StepUser | undefined {
  if (!value) return undefined;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/setpriv')) throw new FerryError(`FERRY_STEP_USER=${value}: running steps as another user needs Linux with setpriv (util-linux)`);
  if (process.getuid?.() !== 0) throw new FerryError(`FERRY_STEP_USER=${value}: the worker must run as root to run steps as another user (it runs as uid ${process.getuid?.()})`);
  try {
    const uid = Number(execFileSync('id', ['-u', value], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', value], { encoding: 'utf8' }).trim());
    if (uid === 0) throw new FerryError(`FERRY_STEP_USER=${value}: is root; pick an unprivileged user such as nobody`);
    return { uid, gid, name: value };
  } catch (err) {
    if (err instanceof FerryError) throw err;
    throw new FerryError(`FERRY_STEP_USER=${value}: no such user; create one (e.g. useradd --system ferry-step) or use nobody`, { cause: err });
  }
}

function chownTree(path: string, user: StepUser): void {
  const stat = lstatSync(path);
  chownSync(path, user.uid, user.gid);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), user);
}

/**
 * Hands `owned` (workspace, output directories) to the step user and makes the directories between `home` and them
 * search-only for others (0711: the step can reach its own paths, list nothing, read no other file of FERRY_HOME).
 */
export function prepareStepPaths(user: StepUser, home: string, owned: string[]): void {
  const root = resolve(home);
  for (const path of owned) {
    const target = resolve(path);
    const rel = relative(root, target);
    if (rel.startsWith('..') || rel.startsWith(sep)) throw new FerryError(`${target} is outside FERRY_HOME; refusing to hand it to ${user.name}`);
    for (let dir = dirname(target); dir.length >= root.length; dir = dirname(dir)) {
      chmodSync(dir, 0o711);
      if (dir === root) break;
    }
    if (existsSync(target)) chownTree(target, user);
  }
}

/** Takes `owned` back for the worker's user once the step ended (git refuses a checkout another user owns). */
export function reclaimStepPaths(owned: string[]): void {
  const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: 'worker' };
  for (const path of owned) if (existsSync(path)) chownTree(resolve(path), me);
}

/**
 * The spawn of `sh -c script`: under setpriv (pdeathsig TERM); as the step user when isolated, else in the default
 * sandbox (activities/step-sandbox.ts) when `sandbox` is given and the kernel allows it.
 */
export function stepSpawn(script: string, user: StepUser | undefined, hasSetpriv: boolean, sandbox?: Sandbox): { file: string; args: string[] } {
  if (user) return { file: '/usr/bin/setpriv', args: ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--pdeathsig', 'TERM', '--', 'sh', '-c', script] };
  const inner = sandbox && sandboxAvailable() ? sandboxSpawn(script, sandbox) : { file: 'sh', args: ['-c', script] };
  return hasSetpriv ? { file: '/usr/bin/setpriv', args: ['--pdeathsig', 'TERM', '--', inner.file, ...inner.args] } : inner;
}

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|SIGNING_KEY|PRIVATE|DATABASE_URL|CREDENTIALS|API_KEY)/;

/** Values of the worker's secret-looking variables (and a database URL's password): what step logs must never show. */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 8 || !SECRET_NAME.test(name)) continue;
    values.add(value);
    if (/^postgres(ql)?:\/\//.test(value)) {
      try {
        const password = decodeURIComponent(new URL(value).password);
        if (password.length >= 6) values.add(password);
      } catch {
        // not a URL after all
      }
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every known secret value replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}
