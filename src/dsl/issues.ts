import type { z } from 'zod';

/** Renders a zod path as people write it: `evaluate.gates[1].min`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Turns one zod issue into a human sentence (the default messages are written for developers of zod, not users). */
export function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  const got = describe(valueAt(input, issue.path));
  // Messages written in the schema ("expected a shell command") say it best.
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.message.startsWith('expected')) return `${issue.message}, got ${got}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${got}`;
    case 'too_big':
      return issue.origin === 'number' || issue.origin === 'int'
        ? `expected a number ${issue.inclusive ? '≤' : '<'} ${issue.maximum}, got ${got}`
        : `expected at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}, got ${got}`;
    case 'too_small':
      return issue.origin === 'number' || issue.origin === 'int'
        ? `expected a number ${issue.inclusive ? '≥' : '>'} ${issue.minimum}, got ${got}`
        : `expected at least ${issue.minimum} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}, got ${got}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${got}`;
    case 'invalid_union':
      // Unions in the spec carry their own "expected …" message; plain ones fall back to a generic one.
      return `${issue.message.startsWith('expected') ? issue.message : 'expected one of the allowed forms'}, got ${got}`;
    default:
      return /got /.test(issue.message) || issue.code === 'custom' ? issue.message : `${issue.message}, got ${got}`;
  }
}

/** The first issue of a failed parse, as people read it. */
export interface FirstIssue {
  /** Where in the value: `gates[1].min`; empty when the issue is about the whole value. */
  path: string;
  /** What is wrong with it, in a sentence ({@link issueMessage}). */
  message: string;
}

/**
 * The one formatter of zod errors: the first issue of `error` (from parsing `input`) as a path and a sentence, for a
 * one-line message that names the file, flag or field and the fix.
 * @example
 * const parsed = schema.safeParse(body);
 * if (!parsed.success) { const { path, message } = firstIssue(parsed.error, body); throw new UsageError(`body.${path}: ${message}`); }
 */
export function firstIssue(error: z.ZodError, input: unknown): FirstIssue {
  const issue = error.issues[0];
  if (!issue) return { path: '', message: error.message };
  // A message the schema spells out (Ferry's are lower case: "expected a policy made with definePolicy") is kept as
  // written; zod's own ("Invalid input: expected string, received undefined") is retold for people.
  const own = /^[a-z]/.test(issue.message);
  return { path: formatPath(issue.path), message: own ? issue.message : issueMessage(issue, input) };
}

/** `prefix` joined to a path (`body` + `name` → `body.name`, `inputs[0]` + `[1]` → `inputs[0][1]`); `prefix` alone for ''. */
export function joinPath(prefix: string, path: string): string {
  if (!path) return prefix;
  if (!prefix) return path;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}
