/**
 * A drift reference read, typed and sorted once, stored on disk and loaded by every later check of the same reference:
 * numeric columns as sorted little-endian float64 files (read straight into typed arrays), text columns as counts per
 * label. Keyed by the reference's content hash, so a new model version with a new reference gets its own entry and an
 * entry is never stale. Written to a temporary directory and renamed into place, so a crash never leaves half an entry.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type WindowValues, settle } from './columns.js';
import { type WindowFile, type WindowReader } from './read.js';
import { sortColumns } from './sort.js';

/** Bump when the stored layout changes: older entries are then read again from the reference file. */
const LAYOUT = 'v1';

const metaSchema = z.object({
  layout: z.literal(LAYOUT),
  format: z.enum(['csv', 'parquet']),
  header: z.array(z.string()),
  rows: z.number().int().nonnegative(),
  columns: z.array(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('numbers'), file: z.string(), length: z.number().int().nonnegative(), rows: z.number().int() }),
      z.object({ kind: z.literal('labels'), counts: z.array(z.tuple([z.string(), z.number()])), rows: z.number().int() }),
    ]),
  ),
});

/**
 * The reference window at `path` (content hash `sha256`), from the store under `dir` when it holds it, else read with
 * `reader`, sorted and stored. Numeric columns come back marked `sorted`.
 * @example const reference = await storedReference(reader, '/data/train.csv', sha, join(home, 'drift-reference'))
 */
export async function storedReference(reader: WindowReader, path: string, sha256: string, dir: string): Promise<WindowFile> {
  const entry = join(dir, `${sha256}.${LAYOUT}`);
  const stored = load(entry, path);
  if (stored) return stored;
  const file = await reader.read(path);
  for (const [name, w] of file.columns) file.columns.set(name, settle(w));
  const numbers = [...file.columns.values()].flatMap((w) => (w.kind === 'numbers' ? [w] : []));
  await sortColumns(numbers.map((w) => w.values));
  for (const w of numbers) w.sorted = true;
  save(entry, file);
  return file;
}

function load(entry: string, path: string): WindowFile | undefined {
  const metaPath = join(entry, 'meta.json');
  if (!existsSync(metaPath)) return undefined;
  const parsed = metaSchema.safeParse(JSON.parse(readFileSync(metaPath, 'utf8')));
  if (!parsed.success) return undefined;
  const meta = parsed.data;
  const columns = new Map<string, WindowValues>();
  meta.header.forEach((name, i) => {
    const c = meta.columns[i]!;
    if (c.kind === 'labels') {
      columns.set(name, { kind: 'labels', counts: new Map(c.counts), rows: c.rows });
      return;
    }
    const bytes = readFileSync(join(entry, c.file));
    // A Float64Array view needs 8-byte alignment; copy in the rare case the buffer is not aligned.
    const values =
      bytes.byteOffset % 8 === 0
        ? new Float64Array(bytes.buffer, bytes.byteOffset, c.length)
        : new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + c.length * 8));
    columns.set(name, { kind: 'numbers', values, rows: c.rows, sorted: true });
  });
  return { path, format: meta.format, header: meta.header, rows: meta.rows, columns };
}

function save(entry: string, file: WindowFile): void {
  const tmp = `${entry}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    const columns = file.header.map((name, i) => {
      const w = file.columns.get(name)!;
      if (w.kind === 'labels') return { kind: 'labels' as const, counts: [...w.counts], rows: w.rows };
      const fileName = `${i}.f64`;
      writeFileSync(join(tmp, fileName), new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength));
      return { kind: 'numbers' as const, file: fileName, length: w.values.length, rows: w.rows };
    });
    const meta: z.infer<typeof metaSchema> = { layout: LAYOUT, format: file.format, header: file.header, rows: file.rows, columns };
    writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta));
    renameSync(tmp, entry);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    // Another check stored the same reference first: its entry is as good as ours.
    if (existsSync(join(entry, 'meta.json'))) return;
    throw err;
  }
}
