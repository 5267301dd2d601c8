import { z } from 'zod';

/** Most records one predict call may carry. */
export const MAX_RECORDS = 10_000;

/** Deepest nesting of objects and arrays accepted in an input record or a label (a flat record has depth 1). */
export const MAX_JSON_DEPTH = 32;

/** An unpaired UTF-16 surrogate: valid in JSON text (`"\ud800"`), refused by Postgres. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a string cannot be stored in Postgres (text or jsonb), or undefined. NUL and unpaired UTF-16 surrogates are
 * valid in JSON text but refused by Postgres, so one such value would fail its whole batch insert.
 */
function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which Postgres cannot store; remove it';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (e.g. \\ud800 without its pair), which Postgres cannot store; send well-formed UTF-16';
  return undefined;
}

/**
 * Adds an issue at the first value of `root` Postgres could not store: a NUL or lone surrogate in a key or string, or
 * nesting deeper than `MAX_JSON_DEPTH`. Iterative, so a 5,000-level body costs no stack and stops at the limit.
 */
function refineStorable(root: unknown, ctx: z.RefinementCtx): void {
  const stack: { value: unknown; path: PropertyKey[]; depth: number }[] = [{ value: root, path: [], depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unstorable(value);
      if (problem) return void ctx.addIssue({ code: 'custom', message: problem, path });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return void ctx.addIssue({ code: 'custom', message: `nested deeper than ${MAX_JSON_DEPTH} levels; flatten the record`, path });
    const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (typeof key === 'string') {
        const problem = unstorable(key);
        if (problem) return void ctx.addIssue({ code: 'custom', message: `key ${JSON.stringify(key)} ${problem}`, path });
      }
      stack.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
}

/** Text stored as-is in a column: printable (no control characters), well-formed. */
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'expected printable characters (no control characters)')
    .refine((s) => !LONE_SURROGATE.test(s), 'expected well-formed text (no lone surrogates)');

const requestId = printable(200);

/** One input record: an object whose every key and string Postgres can store, at most `MAX_JSON_DEPTH` deep. */
const inputRecord = z.record(z.string(), z.unknown()).superRefine(refineStorable);

/** `POST /v1/models/:name/predict` body. */
export const predictBodySchema = z
  .strictObject({
    inputs: z.array(inputRecord, 'expected an array of input records (objects)').min(1, 'expected at least one input record').max(MAX_RECORDS),
    env: printable(200).default('production'),
    /** One id per record; otherwise the X-Request-Id header or generated ids. */
    requestIds: z.array(requestId).optional(),
  })
  .refine((b) => !b.requestIds || b.requestIds.length === b.inputs.length, { message: 'requestIds must have one id per input record', path: ['requestIds'] });
export type PredictBody = z.infer<typeof predictBodySchema>;

/** `POST /v1/feedback` body: ground truth for earlier predictions, by request id. */
export const feedbackBodySchema = z.strictObject({
  feedback: z
    .array(z.strictObject({ requestId, label: z.unknown().refine((v) => v !== undefined, 'expected a label').superRefine(refineStorable) }))
    .min(1, 'expected at least one { requestId, label }')
    .max(MAX_RECORDS),
});
export type FeedbackBody = z.infer<typeof feedbackBodySchema>;
