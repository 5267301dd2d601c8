/** Test models: the decision tree exported by bench/risk/make-fixtures.py, evaluated node by node as sklearn does. */
import { readFileSync } from 'node:fs';
import type { PredictClasses, PredictProba, Row } from '../../src/risk/types.js';

export interface TreeNode {
  feature: string | null;
  threshold: number | null;
  left: number;
  right: number;
  proba: number[];
}

export interface ImportanceFixture {
  features: string[];
  tree: { classes: string[]; nodes: TreeNode[] };
  rows: Row[];
  labels: string[];
  predictions: string[];
  probabilities: number[][];
  permutations: Record<string, number[][]>;
  cases: { metric: 'accuracy' | 'macro-f1'; repeats: number; baseline: number; importances: Record<string, { mean: number; std: number; drops: number[] }> }[];
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** sklearn's rule: go left when x[feature] <= threshold. A missing or non-numeric value goes right (NaN > t is false). */
function leaf(tree: ImportanceFixture['tree'], row: Row): TreeNode {
  let node = tree.nodes[0]!;
  while (node.feature !== null) {
    const v = row[node.feature];
    node = tree.nodes[typeof v === 'number' && v <= node.threshold! ? node.left : node.right]!;
  }
  return node;
}

export function treeModel(tree: ImportanceFixture['tree']): { predict: PredictClasses; predictProba: PredictProba; calls: () => number } {
  let calls = 0;
  const argmax = (p: number[]) => p.indexOf(Math.max(...p));
  return {
    predict: async (rows) => {
      calls++;
      return rows.map((r) => tree.classes[argmax(leaf(tree, r).proba)]!);
    },
    predictProba: async (rows) => rows.map((r) => Object.fromEntries(tree.classes.map((c, i) => [c, leaf(tree, r).proba[i]!]))),
    calls: () => calls,
  };
}
