import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { runs } from '../db/schema/index.js';

/** The pipeline of a run, from the runs table (for runs whose start another worker recorded). */
export async function lookupRunPipeline(db: Db, workflowId: string): Promise<string | undefined> {
  const [row] = await db.select({ pipeline: runs.pipeline }).from(runs).where(eq(runs.workflowId, workflowId));
  return row?.pipeline;
}
