import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';

/**
 * History ⇄ Temporal's JSON history format (what `temporal workflow show --output json` writes).
 *
 * Why not `historyToJSON`/`historyFromJSON` from @temporalio/common: in this install @temporalio/common and
 * @temporalio/proto each carry their own copy of protobufjs 8 (the top level holds protobufjs 7 for OpenTelemetry), so
 * common's protojson rejects proto's types ("type must be a Type"). Taking protojson from the copy @temporalio/proto
 * itself resolves keeps the types and the converter on one copy, and still works once the copies are deduplicated.
 */
const require = createRequire(import.meta.url);
const requireFromProto = createRequire(require.resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson.js') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
const proto = require('@temporalio/proto') as { temporal: { api: { history: { v1: { History: { fromObject(o: unknown): unknown } } } } } };
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot<T>(root: T): T & { lookupType(name: string): unknown } };
const historyType = patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History');

/** A fetched history as pretty JSON in Temporal's history format. */
export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** A history read back from that JSON, as the proto object `Worker.runReplayHistories` takes. */
export function historyFromJson(json: unknown): History {
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
