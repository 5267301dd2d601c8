import type { ChildProcess } from 'node:child_process';

/** A server process Ferry started for a test or the dev stack: its recent output, its exit code, and a clean stop. */
export interface Supervised {
  child: ChildProcess;
  /** The last `keepChars` characters it wrote to stdout and stderr, for error messages. */
  output: () => string;
  /** Its exit code once it exited (null: killed by a signal); undefined while it runs. */
  exited: () => number | null | undefined;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. `group`: the whole process group (a detached child). */
  stop: () => Promise<void>;
}

/** Watches a spawned server (stdio `pipe`): keeps its recent output and its exit, and knows how to stop it. */
export function supervise(child: ChildProcess, options: { keepChars?: number; group?: boolean } = {}): Supervised {
  const keepChars = options.keepChars ?? 4000;
  let output = '';
  const keep = (b: Buffer) => (output = (output + b.toString()).slice(-keepChars));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (options.group) process.kill(-child.pid!, sig);
      else child.kill(sig);
      return true;
    } catch {
      return false; // already gone
    }
  };
  const stop = async () => {
    if (exited !== undefined) return;
    const done = new Promise((r) => child.once('exit', r));
    if (!signal('SIGTERM')) return;
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };
  return { child, output: () => output, exited: () => exited, stop };
}
