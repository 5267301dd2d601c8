import { connect } from 'node:net';
import { onHealthChange, reportFailure, reportUp, serviceStates } from './state.js';

export interface WatchOptions {
  /** `reachability` probes (a TCP connect) clear only failures to connect; `call` probes (e.g. Slack's auth.test) clear any. */
  probeKind?: 'reachability' | 'call';
  /** First retry after a failure (default 1 s), doubling up to `maxRetryMs` (default 30 s). */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** While healthy, probe this often (default 5 min). */
  healthyMs?: number;
}

const watching = new Map<string, () => void>();

/**
 * Probes an outside service now, then again and again: with backoff while it is down, rarely while it is up. A failed
 * probe is recorded (`degraded: …` in the log and in `ferry status`), never thrown. One watcher per service per process;
 * timers never keep the process alive. Returns the function that stops it.
 * @example const stop = watchService('alert webhook', tcpProbe(url), { probeKind: 'reachability' });
 */
export function watchService(service: string, probe: () => Promise<void>, options: WatchOptions = {}): () => void {
  const existing = watching.get(service);
  if (existing) return existing;
  const minRetryMs = options.minRetryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const healthyMs = options.healthyMs ?? 300_000;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = 0;
  let running = false;
  let stopped = false;

  const down = () => serviceStates().find((s) => s.service === service && !s.up);
  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const nextDelay = () => {
    const state = down();
    return state ? Math.min(maxRetryMs, minRetryMs * 2 ** Math.min(state.failures - 1, 20)) : healthyMs;
  };
  async function run(): Promise<void> {
    if (running || stopped) return;
    running = true;
    try {
      await probe();
      reportUp(service, options.probeKind === 'reachability' ? { onlyIf: 'unreachable' } : {});
    } catch (err) {
      reportFailure(service, err);
    } finally {
      running = false;
      schedule(nextDelay());
    }
  }
  // Someone else saw it fail (a post, a deploy): retry on the down schedule, not the healthy one.
  const unsubscribe = onHealthChange(() => {
    if (!running && down() && dueAt - Date.now() > nextDelay()) schedule(nextDelay());
  });
  void run();
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
    watching.delete(service);
  };
  watching.set(service, stop);
  return stop;
}

/** A reachability probe: a TCP connection to the URL's host and port, closed at once (nothing is sent). */
export function tcpProbe(url: string, timeoutMs = 5000): () => Promise<void> {
  const target = new URL(url);
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  return () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host: target.hostname, port });
      socket.setTimeout(timeoutMs);
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('timeout', () => {
        socket.destroy();
        reject(Object.assign(new Error(`connect ETIMEDOUT ${target.host}`), { code: 'ETIMEDOUT' }));
      });
      socket.once('error', (err) => {
        socket.destroy();
        reject(err);
      });
    });
}
