export { formatLineage, LINEAGE_FORMATS, type LineageFormat } from './format.js';
export { lineageGraph, type LineageGraph } from './graph.js';
export { modelVersionId, NODE_KINDS, RELATIONS, type NodeKind, type NodeRef, type Relation } from './nodes.js';
export { lineageOf, type Lineage } from './query.js';
export {
  datasetInputSchema,
  experimentInputSchema,
  recordDataset,
  recordEdge,
  recordExperiment,
  type DatasetInput,
  type DatasetRow,
  type ExperimentInput,
} from './record.js';
