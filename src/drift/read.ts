/**
 * Reads drift windows column-wise with DuckDB (`@duckdb/node-api`, its binary comes in an npm package): CSV with a header
 * row (comma-separated, RFC 4180 quoting, UTF-8, optional BOM) or Parquet (recognised by its magic bytes, whatever the
 * file is called). DuckDB parses in parallel in C++ and the result streams chunk by chunk: numeric vectors are copied
 * out of DuckDB's memory in blocks into typed arrays, text vectors are counted per value, so JavaScript never builds a row
 * or a string per cell.
 *
 * Typing follows the contract of {@link WindowValues}: a CSV column is first read as DOUBLE when the first rows say it
 * is numeric, and re-read as text when DuckDB meets a cell it cannot convert or a non-finite number; text whose
 * distinct values all parse as numbers is numeric after all (`settle`).
 */
import { createReadStream, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBMaterializedResult,
  DuckDBMapValue,
  type DuckDBResult,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { parse } from 'csv-parse';
import { UsageError } from '../core/errors.js';
import { type WindowValues, countLabels, parseNumber, settle } from './columns.js';
import { sharedFloat64 } from './sort.js';

/** A window read from one file: its header and every column's values. */
export interface WindowFile {
  path: string;
  format: 'csv' | 'parquet';
  header: string[];
  /** Data rows, empty cells included. */
  rows: number;
  columns: Map<string, WindowValues>;
}

type ColumnRead = 'numbers' | 'labels';

/** Rows of a CSV file read (by csv-parse) to guess each column's type before DuckDB reads the whole file. */
const SAMPLE_ROWS = 1000;
const PARQUET_MAGIC = 'PAR1';
const NUMERIC_TYPE = /^(?:U?(?:TINY|SMALL|BIG|HUGE)?INT(?:EGER)?|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;
const TEXT_TYPE = /^(?:VARCHAR|BOOLEAN|DATE|TIME|TIME WITH TIME ZONE|TIMESTAMP(?:_S|_MS|_NS| WITH TIME ZONE)?|UUID|ENUM\(.*\))$/s;
const GLOB_CHARS = /[*?[\]{}]/;

/** One DuckDB instance (in memory, nothing installed or loaded from outside) that reads any number of windows. */
export class WindowReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly scratch: string,
  ) {}

  /** Opens an in-memory DuckDB with a private spill directory. Close it with {@link close}. */
  static async open(): Promise<WindowReader> {
    const scratch = mkdtempSync(join(tmpdir(), 'ferry-drift-'));
    const instance = await DuckDBInstance.create(':memory:', {
      preserve_insertion_order: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      temp_directory: join(scratch, 'spill'),
    });
    return new WindowReader(instance, await instance.connect(), scratch);
  }

  /** Releases DuckDB and its scratch directory. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** Reads every column of a CSV or Parquet file. Bad input is a UsageError naming the file, the field and the fix. */
  async read(path: string): Promise<WindowFile> {
    const format = await detectFormat(path);
    const source = this.sourcePath(path);
    if (format === 'parquet') return this.readParquet(path, source);
    return this.readCsv(path, source);
  }

  /** Counts per text of one column, for a column that is numeric in this window and text in the other. */
  async labels(file: WindowFile, column: string): Promise<Map<string, number>> {
    const source = this.sourcePath(file.path);
    const sql =
      file.format === 'parquet'
        ? `SELECT histogram(CAST(${ident(column)} AS VARCHAR)) FROM read_parquet(${literal(source)})`
        : `SELECT histogram(${ident(column)}) FROM ${csvSource(source, file.header, new Map(file.header.map((h) => [h, 'labels'])))}`;
    const result = await this.run(file.path, file.format, sql);
    return labelCounts(result.getChunk(0), 0);
  }

  private async readCsv(path: string, source: string): Promise<WindowFile> {
    const { header, sample } = await readCsvHead(path);
    const reads = new Map<string, ColumnRead>(header.map((name, i) => [name, guessRead(sample, i)]));
    // Each retry turns one more column into text; a file has finitely many columns.
    for (;;) {
      const sql = `SELECT ${header.map(ident).join(', ')} FROM ${csvSource(source, header, reads)}`;
      let window: ScannedWindow;
      try {
        window = await this.scan(path, 'csv', header, reads, sql);
      } catch (err) {
        const column = unconvertibleColumn(err);
        if (column === null || reads.get(column) !== 'numbers') throw err;
        reads.set(column, 'labels');
        continue;
      }
      if (window.nonFinite.size === 0) return window.file;
      for (const name of window.nonFinite) reads.set(name, 'labels');
    }
  }

  private async readParquet(path: string, source: string): Promise<WindowFile> {
    const described = await this.run(path, 'parquet', `DESCRIBE SELECT * FROM read_parquet(${literal(source)})`);
    const schema = rowsOf(described).map((row) => ({ name: String(row[0]), type: String(row[1]) }));
    const reads = new Map<string, ColumnRead>();
    for (const { name, type } of schema) {
      if (NUMERIC_TYPE.test(type)) reads.set(name, 'numbers');
      else if (TEXT_TYPE.test(type)) reads.set(name, 'labels');
      else {
        throw new UsageError(
          `${path}: column "${name}" has type ${type}, which drift cannot compare; store it as a number or text, or drop it`,
          { details: { file: path, field: name } },
        );
      }
    }
    const header = schema.map((c) => c.name);
    for (;;) {
      const cast = (name: string) =>
        reads.get(name) === 'numbers' ? `CAST(${ident(name)} AS DOUBLE)` : `CAST(${ident(name)} AS VARCHAR)`;
      const sql = `SELECT ${header.map(cast).join(', ')} FROM read_parquet(${literal(source)})`;
      const window = await this.scan(path, 'parquet', header, reads, sql);
      if (window.nonFinite.size === 0) return window.file;
      for (const name of window.nonFinite) reads.set(name, 'labels');
    }
  }

  /**
   * Streams the window chunk by chunk (2,048 rows): numeric vectors are copied out of DuckDB's memory into fixed-size
   * parts, text vectors counted per value, so memory holds the columns once and DuckDB only a few chunks.
   */
  private async scan(
    path: string,
    format: 'csv' | 'parquet',
    header: string[],
    reads: Map<string, ColumnRead>,
    sql: string,
  ): Promise<ScannedWindow> {
    let stream: DuckDBResult;
    try {
      stream = await this.connection.stream(sql);
    } catch (err) {
      if (unconvertibleColumn(err) !== null) throw err;
      throw inputError(path, format, err);
    }
    const numbers = header.map((name) => (reads.get(name) === 'numbers' ? new Collector() : null));
    const texts = header.map((name) => (reads.get(name) === 'labels' ? new Map<string, number>() : null));
    let rows = 0;
    for (;;) {
      let chunk: DuckDBDataChunk | null;
      try {
        chunk = await stream.fetchChunk();
      } catch (err) {
        if (unconvertibleColumn(err) !== null) throw err;
        throw inputError(path, format, err);
      }
      if (!chunk || chunk.rowCount === 0) break;
      const n = chunk.rowCount;
      rows += n;
      for (let c = 0; c < header.length; c++) {
        const collector = numbers[c];
        if (collector) {
          const vector = duckdb.data_chunk_get_vector(chunk.chunk, c);
          const bytes = duckdb.vector_get_data(vector, n * Float64Array.BYTES_PER_ELEMENT);
          const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8) as Uint8Array | null;
          collector.add(new Float64Array(bytes.buffer, bytes.byteOffset, n), validity);
        } else {
          const counts = texts[c]!;
          const vector = chunk.getColumnVector(c);
          for (let i = 0; i < n; i++) {
            const v = vector.getItem(i);
            if (v !== null) countLabels([String(v)], counts);
          }
        }
      }
    }
    if (rows === 0) {
      throw new UsageError(`${path}: file has a header but no data rows; add at least one row`, {
        details: { file: path },
      });
    }
    const columns = new Map<string, WindowValues>();
    const nonFinite = new Set<string>();
    header.forEach((name, c) => {
      const collector = numbers[c];
      if (collector) {
        const values = collector.finish();
        if (!allFinite(values)) nonFinite.add(name);
        columns.set(name, { kind: 'numbers', values, rows });
      } else {
        columns.set(name, { kind: 'labels', counts: texts[c]!, rows });
      }
    });
    return { file: { path, format, header, rows, columns }, nonFinite };
  }

  private async run(path: string, format: 'csv' | 'parquet', sql: string): Promise<DuckDBMaterializedResult> {
    try {
      return await this.connection.run(sql);
    } catch (err) {
      if (unconvertibleColumn(err) !== null) throw err;
      throw inputError(path, format, err);
    }
  }

  /** DuckDB expands glob characters in file names; such a file is read through a link with a plain name. */
  private sourcePath(path: string): string {
    const full = resolve(path);
    if (!GLOB_CHARS.test(full)) return full;
    const link = join(this.scratch, `window-${Buffer.from(full).toString('hex').slice(-40)}`);
    try {
      symlinkSync(full, link);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return link;
  }
}

/**
 * Reads both windows with one DuckDB and settles every shared column's type across them: text that all parses counts as
 * numbers, and a column numeric in one window but text in the other is re-read as text there.
 */
export async function readWindows(
  reader: WindowReader,
  referencePath: string,
  currentPath: string,
): Promise<{ reference: WindowFile; current: WindowFile }> {
  const reference = await reader.read(referencePath);
  const current = await reader.read(currentPath);
  for (const name of reference.header) {
    const r = reference.columns.get(name);
    const c = current.columns.get(name);
    if (!r || !c) continue;
    const rs = settle(r);
    const cs = settle(c);
    reference.columns.set(name, rs);
    current.columns.set(name, cs);
    if (rs.kind === cs.kind) continue;
    const [numbers, file] = rs.kind === 'numbers' ? [rs, reference] : [cs, current];
    file.columns.set(name, { kind: 'labels', counts: await reader.labels(file, name), rows: numbers.rows });
  }
  return { reference, current };
}

async function detectFormat(path: string): Promise<'csv' | 'parquet'> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const fd = await open(path, 'r');
    try {
      const buf = Buffer.alloc(4);
      const { bytesRead } = await fd.read(buf, 0, 4, 0);
      return bytesRead === 4 && buf.toString('latin1') === PARQUET_MAGIC ? 'parquet' : 'csv';
    } finally {
      await fd.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new UsageError(`${path}: file ${why}; pass the path of a CSV file with a header row, or a Parquet file`, {
      cause: err,
      details: { file: path },
    });
  }
}

/** The header and the first data rows of a CSV file, by csv-parse (which stops after them). */
async function readCsvHead(path: string): Promise<{ header: string[]; sample: string[][] }> {
  const records: string[][] = [];
  try {
    const input = createReadStream(path);
    const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, to: SAMPLE_ROWS + 1 }));
    try {
      for await (const record of parser) records.push(record as string[]);
    } finally {
      input.destroy();
    }
  } catch (err) {
    const e = err as { message?: string };
    throw new UsageError(
      `${path}: not valid CSV (${e.message ?? 'parse error'}); every row needs as many fields as the header`,
      { cause: err, details: { file: path } },
    );
  }
  const header = records[0];
  if (!header || header.length === 0) {
    throw new UsageError(`${path}: file is empty; give it a header row and at least one data row`, {
      details: { file: path },
    });
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name.trim() === '') {
      throw new UsageError(`${path}: the header has an empty column name; name every column`, {
        details: { file: path, field: name },
      });
    }
    if (seen.has(name)) {
      throw new UsageError(`${path}: column "${name}" appears twice in the header; give columns unique names`, {
        details: { file: path, field: name },
      });
    }
    seen.add(name);
  }
  if (records.length < 2) {
    throw new UsageError(`${path}: file has a header but no data rows; add at least one row`, {
      details: { file: path },
    });
  }
  return { header, sample: records.slice(1) };
}

/** Numbers when every non-empty sampled cell of the column parses (DuckDB then tells if a later one does not). */
function guessRead(sample: string[][], column: number): ColumnRead {
  for (const row of sample) {
    const cell = row[column] ?? '';
    if (cell.trim() !== '' && Number.isNaN(parseNumber(cell))) return 'labels';
  }
  return 'numbers';
}

/** `read_csv(...)` with the dialect and the column types fixed (no sniffing: the header and the types are ours). */
function csvSource(source: string, header: string[], reads: Map<string, ColumnRead>): string {
  const columns = header.map((name) => `${literal(name)}: '${reads.get(name) === 'numbers' ? 'DOUBLE' : 'VARCHAR'}'`);
  return (
    `read_csv(${literal(source)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', ` +
    `columns = {${columns.join(', ')}})`
  );
}

interface ScannedWindow {
  file: WindowFile;
  /** Numeric columns holding an infinity or NaN: text by the contract, so read again as text. */
  nonFinite: Set<string>;
}

const PART_VALUES = 1 << 16;

/** A growing column of doubles in fixed-size parts, concatenated once into shared memory (for parallel sorting). */
class Collector {
  private readonly parts: Float64Array[] = [];
  private part = new Float64Array(PART_VALUES);
  private used = 0;
  private total = 0;

  /** Appends the valid values of one vector (validity: DuckDB's bit mask, null when every value is valid). */
  add(values: Float64Array, validity: Uint8Array | null): void {
    if (validity === null) {
      let from = 0;
      while (from < values.length) {
        const take = Math.min(values.length - from, PART_VALUES - this.used);
        this.part.set(values.subarray(from, from + take), this.used);
        this.used += take;
        from += take;
        if (this.used === PART_VALUES) this.flush();
      }
      return;
    }
    for (let i = 0; i < values.length; i++) {
      if ((validity[i >>> 3]! >>> (i & 7)) & 1) {
        this.part[this.used++] = values[i]!;
        if (this.used === PART_VALUES) this.flush();
      }
    }
  }

  finish(): Float64Array {
    const out = sharedFloat64(this.total + this.used);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    out.set(this.part.subarray(0, this.used), at);
    return out;
  }

  private flush(): void {
    this.parts.push(this.part);
    this.total += this.used;
    this.part = new Float64Array(PART_VALUES);
    this.used = 0;
  }
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i]! - values[i]! !== 0) return false;
  return true;
}

/** A `histogram` MAP cell as counts per trimmed text (values that trim to the same text are merged). */
function labelCounts(chunk: DuckDBDataChunk, column: number): Map<string, number> {
  const value = chunk.getColumnVector(column).getItem(0);
  const counts = new Map<string, number>();
  if (!(value instanceof DuckDBMapValue)) return counts;
  for (const { key, value: count } of value.entries) countLabels([String(key)], counts, Number(count));
  return counts;
}

function rowsOf(result: DuckDBMaterializedResult): unknown[][] {
  const out: unknown[][] = [];
  for (let c = 0; c < result.chunkCount; c++) out.push(...result.getChunk(c).getRows());
  return out;
}

/** The column a CSV cell could not be converted in (DuckDB's conversion error), or null for any other error. */
function unconvertibleColumn(err: unknown): string | null {
  const m = /Error when converting column "((?:[^"]|"")*)"/.exec((err as Error)?.message ?? '');
  return m ? m[1]!.replace(/""/g, '"') : null;
}

/** DuckDB's error as one line naming the file and the fix. */
function inputError(path: string, format: 'csv' | 'parquet', err: unknown): UsageError {
  const message = (err as Error)?.message ?? String(err);
  if (format === 'parquet') {
    const first = message.split('\n')[0]!.replace(/^[A-Za-z ]+ Error: /, '');
    return new UsageError(`${path}: not a readable Parquet file (${first}); write it again with a Parquet writer`, {
      cause: err,
      details: { file: path },
    });
  }
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const what = fields
    ? `line ${line}: expected ${fields[1]} fields, found ${fields[2]}`
    : `${line ? `line ${line}: ` : ''}${message.split('\n').find((l) => l.trim() !== '' && !/CSV Error on Line/.test(l))?.replace(/^[A-Za-z ]+ Error: /, '') ?? 'parse error'}`;
  return new UsageError(`${path}: not valid CSV (${what}); every row needs as many fields as the header`, {
    cause: err,
    details: { file: path, ...(line ? { line: Number(line) } : {}) },
  });
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
