import type { WorkflowHandle } from '@temporalio/client';
import { statusQuery } from '../../workflows/pipeline.js';
import type { RunStatus } from '../core/status.js';
import { describeProgress, renderRunView } from './live-view.js';

export interface WatchOptions {
  /** Poll interval (default 1000 ms). */
  intervalMs?: number;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Redraw in place with ANSI escapes (default: when `out` is a terminal); otherwise print a frame when it changes. */
  redraw?: boolean;
  signal?: AbortSignal;
}

/**
 * Redraws a run's stages until its workflow closes (or `signal` aborts), then returns its last status. Plain ANSI:
 * move the cursor up over the previous frame and clear to the end of the screen.
 */
export async function watchStatus(handle: WorkflowHandle, options: WatchOptions = {}): Promise<RunStatus | undefined> {
  const out = options.out ?? process.stdout;
  const redraw = options.redraw ?? Boolean(out.isTTY);
  const interval = options.intervalMs ?? 1000;
  let drawn = 0;
  let previous = '';
  let last: RunStatus | undefined;
  for (;;) {
    const [status, progress] = await Promise.all([handle.query(statusQuery).catch(() => undefined), describeProgress(handle)]);
    last = status ?? last;
    if (last) {
      const lines = renderRunView(last, progress.activities, Date.now());
      const frame = lines.join('\n');
      if (redraw) {
        out.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[0J` : ''}${frame}\n`);
        drawn = lines.length;
      } else if (frame.replace(/\d+(\.\d)?s|\d+m\d+s/g, '') !== previous) {
        // Without a terminal, a new frame only when something other than a running clock changed.
        out.write(`${frame}\n\n`);
        previous = frame.replace(/\d+(\.\d)?s|\d+m\d+s/g, '');
      }
    }
    if (!progress.running || options.signal?.aborted) return last;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
