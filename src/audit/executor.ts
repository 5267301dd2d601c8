import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type * as schema from '../db/schema/index.js';

/**
 * A database handle or an open transaction: library writes accept either, so a caller can group several writes
 * (a registration, its lineage edges and its audit record) into one transaction.
 */
export type Executor = PgDatabase<NodePgQueryResultHKT, typeof schema>;
