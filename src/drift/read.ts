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
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DuckDBConnection, type DuckDBDataChunk, DuckDBInstance, type DuckDBMaterializedResult, type DuckDBResult } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { UsageError } from '../core/errors.js';
import { type WindowValues, countLabels, settle } from './columns.js';
import { Collector } from './collector.js';
import { type ColumnRead, allFinite, csvSource, detectFormat, guessRead, ident, inputError, labelCounts, literal, readCsvHead, rowsOf, unconvertibleColumn } from './window-input.js';

/** A window read from one file: its header and every column's values. */
export interface WindowFile {
  path: string;
  format: 'csv' | 'parquet';
  header: string[];
  /** Data rows, empty cells included. */
  rows: number;
  columns: Map<string, WindowValues>;
}

const NUMERIC_TYPE = /^(?:U?(?:TINY|SMALL|BIG|HUGE)?INT(?:EGER)?|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;
const TEXT_TYPE = /^(?:VARCHAR|BOOLEAN|DATE|TIME|TIME WITH TIME ZONE|TIMESTAMP(?:_S|_MS|_NS| WITH TIME ZONE)?|UUID|ENUM\(.*\))$/s;
const GLOB_CHARS = /[*?[\]{}]/;

/** An in-memory DuckDB (nothing installed or loaded from outside) with a private scratch directory for spills and links. */
async function createInstance(): Promise<{ instance: DuckDBInstance; scratch: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'ferry-drift-'));
  const instance = await DuckDBInstance.create(':memory:', {
    preserve_insertion_order: 'false',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    temp_directory: join(scratch, 'spill'),
  });
  return { instance, scratch };
}

let processInstance: Promise<{ instance: DuckDBInstance; scratch: string }> | undefined;

/** One DuckDB connection that reads any number of windows, on its own instance or the process's shared one. */
export class WindowReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly scratch: string,
    private readonly owned: boolean,
  ) {}

  /** Opens an in-memory DuckDB of its own (`ferry drift`: one command, one read). Close it with {@link close}. */
  static async open(): Promise<WindowReader> {
    const { instance, scratch } = await createInstance();
    return new WindowReader(instance, await instance.connect(), scratch, true);
  }

  /**
   * A connection to the process's one DuckDB instance, created on first use and kept: a worker checking a thousand
   * monitors opens a connection per check instead of an instance (its memory, threads and scratch directory) per check.
   * {@link close} closes the connection only.
   */
  static async shared(): Promise<WindowReader> {
    processInstance ??= createInstance().then((made) => {
      process.once('exit', () => rmSync(made.scratch, { recursive: true, force: true }));
      return made;
    });
    const { instance, scratch } = await processInstance;
    return new WindowReader(instance, await instance.connect(), scratch, false);
  }

  /** Releases the connection; an instance of its own goes too, with its scratch directory. */
  close(): void {
    this.connection.closeSync();
    if (!this.owned) return;
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
    const link = join(this.scratch, `window-${createHash('sha256').update(full).digest('hex').slice(0, 40)}`);
    try {
      symlinkSync(full, link);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return link;
  }
}

/**
 * Reads both windows with one DuckDB and settles every shared column's type across them (see {@link settleAcross}).
 */
export async function readWindows(
  reader: WindowReader,
  referencePath: string,
  currentPath: string,
): Promise<{ reference: WindowFile; current: WindowFile }> {
  const reference = await reader.read(referencePath);
  const current = await reader.read(currentPath);
  await settleAcross(reader, reference, current);
  return { reference, current };
}

/**
 * Settles every shared column's type across two windows, in place: text that all parses counts as numbers, and a column
 * numeric in one window but text in the other is re-read as text there (by `labelsOf`: from its file, which must still
 * exist, unless the caller holds the window's cells itself).
 */
export async function settleAcross(
  reader: WindowReader,
  reference: WindowFile,
  current: WindowFile,
  labelsOf: (file: WindowFile, column: string) => Promise<Map<string, number>> = (file, column) => reader.labels(file, column),
): Promise<void> {
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
    file.columns.set(name, { kind: 'labels', counts: await labelsOf(file, name), rows: numbers.rows });
  }
}

interface ScannedWindow {
  file: WindowFile;
  /** Numeric columns holding an infinity or NaN: text by the contract, so read again as text. */
  nonFinite: Set<string>;
}
