/**
 * The Open Inference Protocol (V2, as KServe, MLServer and Triton speak it) over HTTP/JSON: request and response
 * bodies, and the conversion between its tensors and Ferry's records (one object per prediction, which is what the
 * prediction log, drift and data-quality checks read). Columns travel as 1-D tensors (`shape [n]`, MLServer's pandas
 * codec); a field holding a numeric array travels as a 2-D tensor (`shape [n, k]`).
 */
import { z } from 'zod';
import { MAX_RECORDS } from './schemas.js';

export const V2_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;

const shape = z.array(z.number().int().min(0, 'expected dimensions ≥ 0')).min(1, 'expected at least one dimension').max(8);

/** One named tensor; `data` flat (row-major) or nested as the shape says. */
export const tensorSchema = z.object({
  name: z.string().min(1).max(200),
  shape,
  datatype: z.enum(V2_DATATYPES, { error: `expected a V2 datatype (${V2_DATATYPES.join(', ')})` }),
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: z.array(z.unknown()),
});
export type Tensor = z.infer<typeof tensorSchema>;

/** `POST /v2/models/{name}/infer` body. */
export const inferenceRequestSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  inputs: z.array(tensorSchema).min(1, 'expected at least one input tensor').max(1000),
  outputs: z.array(z.object({ name: z.string().min(1) })).optional(),
});
export type InferenceRequest = z.infer<typeof inferenceRequestSchema>;

/** What a V2 server answers. */
export const inferenceResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string().nullish(),
  id: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  outputs: z.array(tensorSchema),
});
export type InferenceResponse = z.infer<typeof inferenceResponseSchema>;

/** A V2 body that does not fit; the message names the tensor or record and what to send. */
export class TensorShapeError extends Error {
  override name = 'TensorShapeError';
}

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data.flat(Infinity) as unknown[]) : data;
}

/** Checks that a tensor's values match its datatype. */
function checkValues(t: Tensor, values: unknown[]): void {
  const bad =
    t.datatype === 'BOOL'
      ? values.findIndex((v) => typeof v !== 'boolean')
      : t.datatype === 'BYTES'
        ? values.findIndex((v) => typeof v !== 'string')
        : values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) {
    const want = t.datatype === 'BOOL' ? 'booleans' : t.datatype === 'BYTES' ? 'strings' : 'finite numbers';
    throw new TensorShapeError(`inputs.${t.name}.data[${bad}]: ${JSON.stringify(values[bad])} is not valid ${t.datatype}; send ${want}`);
  }
}

/**
 * Records from a V2 request's input tensors: each tensor's first dimension is the batch, the same for all of them;
 * a `[n]` or `[n, 1]` tensor gives each record a value, a `[n, k]` tensor a k-element array.
 */
export function recordsFromTensors(inputs: Tensor[]): Record<string, unknown>[] {
  const n = inputs[0]!.shape[0]!;
  if (n < 1) throw new TensorShapeError(`inputs.${inputs[0]!.name}.shape: the batch dimension is 0; send at least one row`);
  if (n > MAX_RECORDS) throw new TensorShapeError(`inputs.${inputs[0]!.name}.shape: ${n} rows exceed ${MAX_RECORDS}; send smaller batches`);
  const names = new Set<string>();
  const records: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const t of inputs) {
    if (names.has(t.name)) throw new TensorShapeError(`inputs.${t.name}: named twice; give each input tensor its own name`);
    names.add(t.name);
    if (t.shape[0] !== n) throw new TensorShapeError(`inputs.${t.name}.shape: batch of ${t.shape[0]} rows, but inputs.${inputs[0]!.name} has ${n}; send the same rows in every tensor`);
    if (t.shape.length > 2) throw new TensorShapeError(`inputs.${t.name}.shape: [${t.shape.join(', ')}] has ${t.shape.length} dimensions; Ferry takes [rows] or [rows, columns]`);
    const values = flatten(t.data);
    if (values.length !== product(t.shape)) {
      throw new TensorShapeError(`inputs.${t.name}: shape [${t.shape.join(', ')}] needs ${product(t.shape)} values, data has ${values.length}`);
    }
    checkValues(t, values);
    const k = t.shape[1] ?? 1;
    for (let i = 0; i < n; i++) records[i]![t.name] = t.shape.length === 1 || k === 1 ? values[i * k] : values.slice(i * k, (i + 1) * k);
  }
  return records;
}

function datatypeOf(values: unknown[]): Tensor['datatype'] | undefined {
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'FP64';
  if (values.every((v) => typeof v === 'boolean')) return 'BOOL';
  if (values.every((v) => typeof v === 'string')) return 'BYTES';
  return undefined;
}

/**
 * Input tensors for a V2 server from records that all have the same fields: one `[n]` tensor per scalar field, one
 * `[n, k]` tensor per numeric-array field. `columns` fixes the order (default: the first record's).
 */
export function tensorsFromRecords(records: Record<string, unknown>[], columns: string[] = Object.keys(records[0] ?? {})): Tensor[] {
  const expected = new Set(columns);
  records.forEach((r, i) => {
    const keys = Object.keys(r);
    const missing = columns.filter((c) => !(c in r));
    const extra = keys.filter((k) => !expected.has(k));
    if (missing.length || extra.length) {
      throw new TensorShapeError(`inputs[${i}]: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected ${extra.join(', ')}` : ''}; every record needs the fields ${columns.join(', ')}`);
    }
  });
  return columns.map((name) => {
    const column = records.map((r) => r[name]);
    if (column.every(Array.isArray)) {
      const k = (column[0] as unknown[]).length;
      const bad = column.findIndex((v) => (v as unknown[]).length !== k);
      if (bad >= 0) throw new TensorShapeError(`inputs[${bad}].${name}: ${(column[bad] as unknown[]).length} values, inputs[0].${name} has ${k}; send arrays of one length`);
      const flat = column.flat();
      const datatype = datatypeOf(flat);
      if (datatype !== 'FP64') throw new TensorShapeError(`inputs[].${name}: arrays must hold finite numbers`);
      return { name, shape: [records.length, k], datatype, data: flat };
    }
    const datatype = datatypeOf(column);
    if (!datatype) {
      const i = column.findIndex((v) => !['number', 'string', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v)));
      throw new TensorShapeError(`inputs[${Math.max(i, 0)}].${name}: ${JSON.stringify(column[Math.max(i, 0)])} — every record's ${name} must be a finite number (or all strings, or all booleans)`);
    }
    return { name, shape: [records.length], datatype, data: column };
  });
}

/** One output object per record from a V2 response's output tensors: `{ [tensor name]: value or row }`. */
export function recordsFromOutputs(outputs: Tensor[], n: number): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const t of outputs) {
    const values = flatten(t.data);
    if (t.shape[0] !== n || values.length !== product(t.shape)) {
      throw new TensorShapeError(`output ${t.name}: shape [${t.shape.join(', ')}] with ${values.length} values does not give one row per each of the ${n} inputs`);
    }
    const k = product(t.shape.slice(1));
    for (let i = 0; i < n; i++) records[i]![t.name] = t.shape.length === 1 || k === 1 ? values[i * k] : values.slice(i * k, (i + 1) * k);
  }
  return records;
}

/**
 * Output tensors for a V2 answer from any predictor's outputs: object outputs give one tensor per field, other outputs
 * one tensor named `predict`; values that are not numbers, strings or booleans travel as JSON text (BYTES).
 */
export function tensorsFromOutputs(outputs: unknown[]): Tensor[] {
  const objects = outputs.every((o) => o !== null && typeof o === 'object' && !Array.isArray(o));
  const columns = objects ? [...new Set(outputs.flatMap((o) => Object.keys(o as object)))] : ['predict'];
  return columns.map((name) => {
    const column = objects ? outputs.map((o) => (o as Record<string, unknown>)[name] ?? null) : outputs;
    if (column.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number')) && new Set(column.map((v) => (v as unknown[]).length)).size === 1) {
      return { name, shape: [column.length, (column[0] as unknown[]).length], datatype: 'FP64' as const, data: column.flat() };
    }
    const datatype = datatypeOf(column);
    return datatype
      ? { name, shape: [column.length], datatype, data: column }
      : { name, shape: [column.length], datatype: 'BYTES' as const, parameters: { content_type: 'json' }, data: column.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) };
  });
}
