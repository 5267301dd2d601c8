/**
 * The lineage graph's vocabulary. Node ids: commit → its sha, dataset → `datasets.id`, run → its workflow id,
 * artifact → its sha256, model-version → `name@version`, deployment → `deployments.id`.
 */
export const NODE_KINDS = ['commit', 'dataset', 'run', 'artifact', 'model-version', 'deployment'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** Edge relations, read "from <relation> to": commit checked-out run, dataset used by run, run produced artifact, … */
export const RELATIONS = {
  checkedOut: 'checked-out',
  used: 'used',
  produced: 'produced',
  packagedAs: 'packaged-as',
  registered: 'registered',
  deployedAs: 'deployed-as',
  /** run → run: a run started from another (a retrain, a reproduction, a rollforward). */
  triggered: 'triggered',
} as const;
export type Relation = (typeof RELATIONS)[keyof typeof RELATIONS];

export interface NodeRef {
  kind: NodeKind | (string & {});
  id: string;
}

/** The node id of a model version: `churn@3`. */
export function modelVersionId(model: string, version: number): string {
  return `${model}@${version}`;
}
