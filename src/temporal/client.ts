import { Client, Connection } from '@temporalio/client';
import { FerryError } from '../errors.js';

/** Connects a Temporal client; an unreachable server is a one-line error that says how to start one. */
export async function connectClient(address: string, namespace: string): Promise<{ client: Client; close(): Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5000 });
  } catch (err) {
    throw new FerryError(`cannot reach Temporal at ${address}: ${(err as Error).message}; start 'npx ferry dev' or fix TEMPORAL_ADDRESS`, { cause: err });
  }
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}
