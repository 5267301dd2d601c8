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
