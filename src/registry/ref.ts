import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { firstIssue } from '../dsl/issues.js';

/** `churn@3` or `churn@production`: a model and a version number or an alias. */
export const modelRefSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*@(\d+|[a-z][a-z0-9-]*)$/, 'expected <model>@<version|alias>, e.g. churn@3 or churn@production')
  .transform((text) => {
    const [model, ref] = text.split('@') as [string, string];
    return { model, ref: /^\d+$/.test(ref) ? Number(ref) : ref };
  });

export type ModelRef = z.output<typeof modelRefSchema>;

/** Parses a `<model>@<version|alias>` argument; a malformed one is a usage error naming the argument. */
export function parseModelRef(text: string, what = 'argument'): ModelRef {
  const parsed = modelRefSchema.safeParse(text);
  if (!parsed.success) throw new UsageError(`${what} "${text}": ${firstIssue(parsed.error, text).message}`);
  return parsed.data;
}
