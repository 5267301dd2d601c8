/**
 * Sorting the columns of a window, the floor every drift statistic pays (the ECDF walks of ks and wasserstein need
 * both windows ascending). Two things make it cheaper than `Float64Array.prototype.sort` one column after another:
 * an LSD radix sort (six 11-bit passes over the IEEE bits, made order-preserving), and worker threads that sort several
 * columns at once when the columns live in SharedArrayBuffers. The order is the same as `Float64Array.prototype.sort`
 * for every value drift sorts (finite numbers; −0 before +0).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Below this many values in all, workers cost more than they save. */
const PARALLEL_MIN_VALUES = 1 << 20;

/**
 * Sorts `values` ascending in place: LSD radix sort, or the built-in sort below 4,096 values (the radix passes have a
 * fixed cost). Self-contained (no closure, no import) because worker threads run its source text.
 */
export function radixSortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 4096) return values.sort();
  const u = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const tmp = new Uint32Array(n * 2);
  // Little-endian: word 0 is the low half. Flip so that unsigned order is numeric order.
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = u[i + 1]!;
    if (hi & 0x80000000) {
      u[i + 1] = ~hi;
      u[i] = ~u[i]!;
    } else {
      u[i + 1] = hi ^ 0x80000000;
    }
  }
  // Digits of 11, 11 and 10 bits in each 32-bit word: [word, shift, mask] per pass, least significant first.
  const passes = [
    [0, 0, 2047],
    [0, 11, 2047],
    [0, 22, 1023],
    [1, 0, 2047],
    [1, 11, 2047],
    [1, 22, 1023],
  ];
  const counts = new Uint32Array(6 * 2048);
  for (let i = 0; i < 2 * n; i += 2) {
    const lo = u[i]!;
    const hi = u[i + 1]!;
    counts[lo & 2047]!++;
    counts[2048 + ((lo >>> 11) & 2047)]!++;
    counts[4096 + (lo >>> 22)]!++;
    counts[6144 + (hi & 2047)]!++;
    counts[8192 + ((hi >>> 11) & 2047)]!++;
    counts[10240 + (hi >>> 22)]!++;
  }
  let from: Uint32Array = u;
  let to: Uint32Array = tmp;
  for (let p = 0; p < 6; p++) {
    const [word, shift, mask] = passes[p]!;
    const base = p * 2048;
    let sum = 0;
    let constant = false;
    for (let d = 0; d <= mask!; d++) {
      const c = counts[base + d]!;
      if (c === n) constant = true;
      counts[base + d] = sum;
      sum += c;
    }
    if (constant) continue; // every value has the same digit here: the pass would not move anything
    for (let i = 0; i < 2 * n; i += 2) {
      const j = 2 * counts[base + ((from[i + word!]! >>> shift!) & mask!)]!++;
      to[j] = from[i]!;
      to[j + 1] = from[i + 1]!;
    }
    const x = from;
    from = to;
    to = x;
  }
  if (from !== u) u.set(from);
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = u[i + 1]!;
    if (hi & 0x80000000) {
      u[i + 1] = hi ^ 0x80000000;
    } else {
      u[i + 1] = ~hi;
      u[i] = ~u[i]!;
    }
  }
  return values;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const radixSortFloat64 = ${radixSortFloat64.toString()};
parentPort.on('message', ({ id, buffer, offset, length }) => {
  radixSortFloat64(new Float64Array(buffer, offset, length));
  parentPort.postMessage(id);
});
`;

/**
 * Sorts every column ascending in place, in parallel when there is much to sort, more than one core, and the columns
 * are backed by SharedArrayBuffers (see {@link sharedFloat64}); otherwise one after another on this thread.
 */
export async function sortColumns(columns: Float64Array[]): Promise<void> {
  const total = columns.reduce((s, c) => s + c.length, 0);
  const threads = Math.min(availableParallelism(), columns.length);
  const shared = columns.every((c) => c.buffer instanceof SharedArrayBuffer);
  if (total < PARALLEL_MIN_VALUES || threads < 2 || !shared) {
    for (const c of columns) radixSortFloat64(c);
    return;
  }
  // Largest first, each to the first thread that is free; this thread takes part too.
  const queue = [...columns].sort((a, b) => b.length - a.length);
  const workers = Array.from({ length: threads - 1 }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    const runWorker = (worker: Worker): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const next = (): void => {
          const col = queue.shift();
          if (!col) return resolve();
          worker.postMessage({ id: 0, buffer: col.buffer, offset: col.byteOffset, length: col.length });
        };
        worker.on('message', next);
        worker.on('error', reject);
        next();
      });
    const running = workers.map(runWorker);
    // This thread sorts between messages: take one column at a time and yield so worker replies are handled.
    for (let c = queue.shift(); c; c = queue.shift()) {
      radixSortFloat64(c);
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(running);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** A zeroed Float64Array on a SharedArrayBuffer, so that {@link sortColumns} can hand it to a worker. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}
