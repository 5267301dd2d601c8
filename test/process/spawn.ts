import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ferryBin } from '../helpers/cli.js';

/** A long-running `ferry …` started as its own OS process (and process group), as an operator starts it. */
export interface FerryProcess {
  child: ChildProcess;
  /** The ready line's match: capture groups carry URLs the process printed. */
  ready: RegExpMatchArray;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGINT, then waits for it to exit (SIGKILL to the whole group after `graceMs`); resolves to the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** What was still running in its process group after it exited (`ps` lines), before being killed. */
  leftBehind: string[];
}

/** Environment variables a developer's shell might set that would leak into a process under test. */
const HERMETIC: NodeJS.ProcessEnv = {
  TEMPORAL_ADDRESS: '',
  TEMPORAL_NAMESPACE: '',
  DATABASE_URL: '',
  FERRY_TOKEN: '',
  FERRY_SIGNING_KEY: '',
  FERRY_VERIFY_KEY: '',
  FERRY_STEP_USER: '',
  FERRY_STEP_ISOLATION: '',
  FERRY_ARTIFACTS: '',
  FERRY_SERVE_URL: '',
  FERRY_TASK_QUEUE: '',
  FERRY_WEBHOOK_SECRET: '',
  FERRY_SLACK_CHANNEL: '',
  FERRY_ALERT_WEBHOOK_URL: '',
  FERRY_ALERT_SLACK_CHANNEL: '',
  FERRY_DEPLOY_WEBHOOK_URL: '',
  SLACK_BOT_TOKEN: '',
  SLACK_SIGNING_SECRET: '',
  SLACK_APP_TOKEN: '',
  SLACK_API_URL: '',
  FERRY_LOG_FORMAT: 'json',
  FERRY_LOG_LEVEL: 'warn',
};

/** The environment for a child `ferry`: this process's, minus Ferry's own settings, plus `env`. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, ...HERMETIC, ...env };
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes of group `pgid`, one `pid stat command` line each. */
function groupMembers(pgid: number): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,stat=,args=', '-g', String(pgid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Spawns `node bin/ferry.mjs …args` in its own process group and resolves once its output matches `ready`. A process
 * that exits first, or is not ready within `timeoutMs`, rejects with everything it printed.
 */
export function startFerryProcess(args: string[], ready: RegExp, options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<FerryProcess> {
  const child = spawn(process.execPath, [ferryBin, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const proc: Omit<FerryProcess, 'ready'> = {
    child,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    leftBehind: [],
    async stop(graceMs = 30_000) {
      if (proc.alive()) child.kill('SIGINT');
      const timer = setTimeout(() => groupAlive(child.pid!) && process.kill(-child.pid!, 'SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      // What it started (a dev server, a step's command) must end with it; give it a moment, then note and kill the rest.
      for (let i = 0; i < 20 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 250));
      if (groupAlive(child.pid!)) {
        proc.leftBehind.push(...groupMembers(child.pid!));
        process.kill(-child.pid!, 'SIGKILL');
      }
      return code;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void proc.stop(0);
      reject(new Error(`ferry ${args.join(' ')} was not ready within ${options.timeoutMs ?? 120_000} ms:\n${output}`));
    }, options.timeoutMs ?? 120_000);
    const onData = (chunk: string) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ ...proc, ready: match });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ferry ${args.join(' ')} exited (${code}) before it was ready:\n${output}`));
    });
  });
}

/** Processes a test file starts; `stopAll()` in afterAll stops each and says which left something behind. */
export function processSet() {
  const started: { name: string; proc: FerryProcess }[] = [];
  return {
    async start(name: string, args: string[], ready: RegExp, options: Parameters<typeof startFerryProcess>[2]): Promise<FerryProcess> {
      const proc = await startFerryProcess(args, ready, options);
      started.push({ name, proc });
      return proc;
    },
    /** Stops every process (newest first); returns each one's exit code and what it left running (nothing, unless broken). */
    async stopAll(): Promise<{ name: string; code: number | null; leftBehind: string[] }[]> {
      const stopped: { name: string; code: number | null; leftBehind: string[] }[] = [];
      for (const { name, proc } of [...started].reverse()) stopped.push({ name, code: await proc.stop(), leftBehind: proc.leftBehind });
      return stopped;
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago): a service that is down. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
