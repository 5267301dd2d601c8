import { Connection } from '@temporalio/client';
// @temporalio/proto is CommonJS whose exports Node's ESM loader cannot see by name; a default import works under both tsx and vitest.
import protos from '@temporalio/proto';
import { searchAttributes } from '../core/search-attributes.js';
import { temporalConnection } from './tls.js';

/**
 * Registers Ferry's search attributes on an external cluster (the dev server gets them as start flags). Idempotent:
 * only missing ones are added. Temporal Cloud namespaces need them added in the Cloud UI or tcld instead.
 */
export async function registerSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect(temporalConnection(address));
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
    const missing = Object.values(searchAttributes).filter((key) => !known.has(key.name));
    if (missing.length === 0) return [];
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, protos.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
    return missing.map((key) => key.name);
  } finally {
    await connection.close();
  }
}
