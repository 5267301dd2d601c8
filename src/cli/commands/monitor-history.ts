import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { createDatabase } from '../../db/client.js';
import { monitorChecks } from '../../db/schema/index.js';
import { UsageError } from '../../core/errors.js';
import { readEnv } from '../../settings.js';
import { resolveEndpoints } from '../../stack.js';
import { printJson, printTable } from '../output.js';

export interface MonitorHistoryOptions {
  env: string;
  limit: string;
  json?: boolean;
  format: string;
}

/** One rule of a check: its value against its bound, and for a shadow rule what it would have done. */
export interface RuleOutcome {
  rule: string;
  value: number | null;
  bound: string;
  breached: boolean;
  shadow: boolean;
  /** `would act` / `would pass` for a shadow rule; `acted` / `passed` for an enforced one; `not computed` on an error. */
  outcome: string;
  error?: string;
}

export interface CheckRow {
  id: number;
  at: string;
  version: number;
  kind: string;
  breached: boolean;
  action: string | null;
  rules: RuleOutcome[];
}

interface StoredVerdict {
  label?: string;
  metric: string;
  value: number | null;
  bound: { min: number } | { max: number };
  breached: boolean;
  shadow?: boolean;
  error?: string;
}

/** A stored verdict (the monitor's `metrics`) as a row of the history: shadow rules say what they would have done. */
export function ruleOutcome(v: StoredVerdict): RuleOutcome {
  const shadow = v.shadow === true;
  const outcome = v.error ? 'not computed' : shadow ? (v.breached ? 'would act' : 'would pass') : v.breached ? 'breach' : 'pass';
  const bound = 'min' in v.bound ? `≥ ${v.bound.min}` : `≤ ${v.bound.max}`;
  const value = typeof v.value === 'number' && Number.isFinite(v.value) ? v.value : null;
  return { rule: v.label ?? v.metric, value, bound, breached: v.breached, shadow, outcome, ...(v.error ? { error: v.error } : {}) };
}

/** The newest `limit` checks of a model's monitor in `env`, newest first, each with its rules' outcomes. */
export async function monitorHistory(db: Db, model: string, env: string, limit: number): Promise<CheckRow[]> {
  const rows = await db
    .select()
    .from(monitorChecks)
    .where(and(eq(monitorChecks.model, model), eq(monitorChecks.env, env)))
    .orderBy(desc(monitorChecks.id))
    .limit(limit);
  return rows.map((r) => {
    const verdicts = ((r.result ?? {}) as { metrics?: StoredVerdict[] }).metrics ?? [];
    return { id: r.id, at: r.at.toISOString(), version: r.version, kind: r.kind, breached: r.breached, action: r.action, rules: verdicts.map(ruleOutcome) };
  });
}

/** `ferry monitor history <model> --env <env>`: every recorded check, with what each shadow rule would have done. */
export async function monitorHistoryCommand(model: string, opts: MonitorHistoryOptions): Promise<void> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${opts.limit}: expected a whole number ≥ 1`);
  const endpoints = resolveEndpoints(readEnv(), { database: true });
  const database = createDatabase(endpoints.databaseUrl, { max: 2 });
  try {
    const checks = await monitorHistory(database.db, model, opts.env, limit);
    if (opts.json || opts.format === 'json') return printJson(checks);
    if (checks.length === 0) return void process.stdout.write(`No monitor checks of ${model} in ${opts.env}.\n`);
    const fmt = (r: RuleOutcome) => `${r.shadow ? '[shadow] ' : ''}${r.rule} ${r.value === null ? '-' : r.value.toFixed(3)} (${r.bound}): ${r.outcome}`;
    printTable(
      checks.map((c) => ({ at: c.at, version: `v${c.version}`, kind: c.kind, breached: c.breached ? 'yes' : 'no', action: c.action ?? '', rules: c.rules.map(fmt).join('; ') })),
      ['at', 'version', 'kind', 'breached', 'action', 'rules'],
    );
  } finally {
    await database.close();
  }
}
