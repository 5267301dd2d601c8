import { recordEdge, recordExperiment, type ExperimentInput, type NodeRef } from '../src/lineage/index.js';
import type { ActivityDeps } from './deps.js';

/** Activities that write experiment tracking and lineage; both writes are keyed by natural keys (upserts). */
export function createLineageActivities({ db }: ActivityDeps) {
  return {
    /** Records (or updates) the run's params, seed, metrics and environment, keyed by its workflow id. */
    async recordExperiment(input: ExperimentInput): Promise<void> {
      await recordExperiment(db, input);
    },

    /** Records lineage edges, e.g. model version → deployment (`deployed-as`); an edge written twice is stored once. */
    async recordLineageEdges(input: { edges: { from: NodeRef; to: NodeRef; relation: string }[]; workflowId?: string }): Promise<void> {
      for (const edge of input.edges) await recordEdge(db, { ...edge, workflowId: input.workflowId });
    },
  };
}
