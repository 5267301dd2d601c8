import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { configDir } from '../src/auth/keys.js';

/**
 * The default isolation of a command step when no FERRY_STEP_USER is set (a worker on a developer's machine, running as
 * that developer): the step runs in its own user, PID and mount namespaces (`unshare`, util-linux, no root needed where
 * unprivileged user namespaces are allowed). Its /proc shows only its own processes, so the worker's
 * /proc/<pid>/environ and memory are out of sight, and the worker's secret paths — FERRY_HOME's entries other than the
 * step's own workspace and outputs (the database password, the embedded database's files, leftover keys) and the
 * Ferry config directory (people's private keys) — are covered by empty mounts. The step then runs in a second, nested
 * user namespace, where those mounts are locked: it cannot unmount them to look underneath.
 */
export interface Sandbox {
  /** Directories (tmpfs) and files (/dev/null) to cover. */
  hide: string[];
}

let available: boolean | undefined;

/** Whether this kernel lets this process make the namespaces (probed once; false off Linux or without unshare). */
export function sandboxAvailable(): boolean {
  if (available !== undefined) return available;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/unshare')) return (available = false);
  const probe = spawnSync('/usr/bin/unshare', [...OUTER, 'sh', '-c', `exec /usr/bin/unshare ${INNER.join(' ')} true`], { stdio: 'ignore', timeout: 10_000 });
  return (available = probe.status === 0);
}

const OUTER = ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--kill-child=TERM', '--mount-proc', '--'];
const INNER = ['--user', `--map-user=${process.getuid?.() ?? 0}`, `--map-group=${process.getgid?.() ?? 0}`, '--mount', '--'];

/**
 * What to cover for a step: every entry of `home` that is not on the way to one of `keep` (the workspace, outputs)
 * or the artifact store, and `extra` paths (the config directory) that exist.
 */
export function sandboxFor(home: string, keep: string[], extra: string[] = [configDir()]): Sandbox {
  const root = resolve(home);
  // Steps read stored artifacts (FERRY_MODEL, FERRY_PREVIOUS: content-addressed model files, no secret) and their run's logs.
  const kept = [...keep, join(root, 'artifacts'), join(root, 'runs')].map((k) => resolve(k));
  const onTheWay = (path: string) => kept.some((k) => k === path || k.startsWith(path + sep));
  const hide: string[] = [];
  const cover = (dir: string) => {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      const path = join(dir, entry);
      if (kept.includes(path)) continue;
      if (onTheWay(path)) cover(path);
      else hide.push(path);
    }
  };
  cover(root);
  const covered = (path: string) => hide.some((h) => path === h || path.startsWith(h + sep));
  for (const path of extra.map((e) => resolve(e))) if (existsSync(path) && !covered(path) && !onTheWay(path)) hide.push(path);
  return { hide };
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The spawn of `sh -c script` inside the sandbox: cover the hidden paths, then drop into the nested namespace. */
export function sandboxSpawn(script: string, sandbox: Sandbox): { file: string; args: string[] } {
  const covers = sandbox.hide
    .map((p) => (isDirectory(p) ? `mount -t tmpfs -o size=4k,mode=000 ferry-hidden ${shq(p)}` : `mount --bind /dev/null ${shq(p)}`))
    .map((m) => `${m} || exit 97`);
  const prelude = [...covers, `exec /usr/bin/unshare ${INNER.join(' ')} sh -c "$1"`].join('\n');
  return { file: '/usr/bin/unshare', args: [...OUTER, 'sh', '-c', prelude, 'ferry-step', script] };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
