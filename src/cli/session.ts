import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { readEnv, type FerryEnv } from '../settings.js';
import { resolveEndpoints, type Endpoints } from '../stack.js';
import { connectClient } from '../temporal/client.js';
import { connectDatabase } from './db-session.js';

/** What a client command works with: the running stack's endpoints, a Temporal client and the database. */
export interface Session {
  env: FerryEnv;
  endpoints: Endpoints;
  client: Client;
  database: Database;
  close(): Promise<void>;
}

/** Connects to the running stack (environment first, then a running `ferry dev`); always `close()` it in `finally`. */
export async function openSession(): Promise<Session> {
  const env = readEnv();
  const endpoints = resolveEndpoints(env);
  const { client, close } = await connectClient(endpoints.temporalAddress, endpoints.namespace);
  const database = await connectDatabase(endpoints.databaseUrl, 2).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return {
    env,
    endpoints,
    client,
    database,
    async close() {
      await database.close();
      await close();
    },
  };
}
