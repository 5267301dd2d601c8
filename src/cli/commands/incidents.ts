import { identify } from '../../auth/identify.js';
import { requireRole } from '../../auth/roles.js';
import { createDatabase } from '../../db/client.js';
import { readEnv } from '../../settings.js';
import { UsageError } from '../../core/errors.js';
import { acknowledgeIncident, incidentStatusSchema, listIncidents, resolveIncident } from '../../incidents/index.js';
import { resolveEndpoints } from '../../stack.js';
import { printJson, printTable, say } from '../output.js';

export interface IncidentsOptions {
  status?: string;
  model?: string;
  limit: string;
  format: string;
  by?: string;
  reason?: string;
}

/** `ferry incidents [ack|resolve <id>]`: list incidents, or acknowledge / resolve one (audited under the caller FERRY_TOKEN
 * authenticates; `--by` may only name that caller). */
export async function incidentsCommand(action: string | undefined, id: string | undefined, opts: IncidentsOptions): Promise<void> {
  if (action !== undefined && action !== 'ack' && action !== 'resolve') throw new UsageError(`incidents ${action}: unknown action; use 'ferry incidents', 'ferry incidents ack <id>' or 'ferry incidents resolve <id>'`);
  const incidentId = id === undefined ? undefined : Number(id);
  if (action && (incidentId === undefined || !Number.isInteger(incidentId) || incidentId < 1)) throw new UsageError(`incidents ${action} ${id ?? ''}: expected an incident id (a whole number), e.g. 'ferry incidents ${action} 3'`);
  const status = opts.status === undefined ? undefined : incidentStatusSchema.safeParse(opts.status);
  if (status && !status.success) throw new UsageError(`--status ${opts.status}: expected open, acknowledged or resolved`);
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${opts.limit}: expected a whole number ≥ 1`);

  const env = readEnv();
  const endpoints = resolveEndpoints(env, { database: true });
  const database = createDatabase(endpoints.databaseUrl, { max: 2 });
  try {
    const { db } = database;
    if (action) {
      // Who acted goes into the audit record: the caller FERRY_TOKEN authenticates, never a name typed on the command line.
      const user = await identify(db, env.FERRY_TOKEN);
      requireRole(user, 'engineer', action === 'ack' ? 'acknowledge incidents' : 'resolve incidents');
      if (opts.by !== undefined && opts.by !== user.name) throw new UsageError(`--by ${opts.by}: you are authenticated as ${user.name} (FERRY_TOKEN); leave --by out, or use the token of ${opts.by}`);
      const by = { actor: user.name, reason: opts.reason };
      const result = action === 'ack' ? await acknowledgeIncident(db, incidentId!, by) : await resolveIncident(db, incidentId!, by);
      if (opts.format === 'json') return printJson(result);
      say(result.changed ? `Incident ${incidentId} ${result.incident.status} by ${by.actor}.` : `Incident ${incidentId} was already ${result.incident.status}; nothing changed.`);
      return;
    }
    const rows = await listIncidents(db, { status: status?.data, model: opts.model, limit });
    if (opts.format === 'json') return printJson(rows);
    if (rows.length === 0) return void process.stdout.write(`No ${status?.data ?? ''} incidents.\n`.replace('  ', ' '));
    printTable(
      rows.map((r) => ({ id: r.id, status: r.status, model: r.model, env: r.env, kind: r.kind, opened: r.openedAt, by: r.resolvedBy ?? r.acknowledgedBy, summary: r.summary })),
      ['id', 'status', 'model', 'env', 'kind', 'opened', 'by', 'summary'],
    );
  } finally {
    await database.close();
  }
}
