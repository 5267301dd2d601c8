import { readFileSync } from 'node:fs';
import { RandomForestClassifier } from 'ml-random-forest';
import { z } from 'zod';
import { defaultEncoding, encode, FEATURES, SPECIES, type Encoding, type LabelledPenguin, type Penguin } from './features.js';

/**
 * The penguins model: an `ml-random-forest` classifier plus everything needed to use it without the training code — the
 * feature order, the category encoding and the class names. `model.json` is this object; the predictor loads it.
 *
 * Determinism: the library draws its bootstrap samples and feature subsets from random-js Mersenne Twister engines
 * seeded with `seed` (chained from tree to tree), and ml-cart's trees use no randomness, so the same seed and the same
 * rows in the same order give byte-identical `model.json` (checked by test/penguins/determinism.test.ts).
 */

/** The library's serialised forest (its type is not exported by name). */
type ForestJson = Parameters<typeof RandomForestClassifier.load>[0];

export const MODEL_FORMAT = 'ferry-example/penguins-random-forest@1';

export const hyperparametersSchema = z.strictObject({
  trees: z.number().int().min(1).max(1000),
  /** Depth limit of each tree; none by default. */
  maxDepth: z.number().int().min(1).max(64).optional(),
  /** Features per tree: a share in (0, 1] or a count (≥ 1); 4 of the 6 by default. */
  maxFeatures: z.number().positive().optional(),
});
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;

export const modelArtifactSchema = z.object({
  format: z.literal(MODEL_FORMAT, { error: `expected a model written by penguins.train (format "${MODEL_FORMAT}")` }),
  features: z.array(z.string()).min(1),
  encoding: z.object({ island: z.array(z.string()).min(1), sex: z.array(z.string()).min(1) }),
  classes: z.array(z.string()).min(2),
  hyperparameters: hyperparametersSchema,
  seed: z.number().int(),
  trainingRows: z.number().int(),
  /** The dataset file trained on, as hashed at integration (set by the train step). */
  dataset: z.object({ sha256: z.string() }).optional(),
  forest: z.custom<ForestJson>((v) => typeof v === 'object' && v !== null && (v as { name?: unknown }).name === 'RFClassifier', {
    error: 'expected a serialised ml-random-forest classifier ({ name: "RFClassifier", baseModel })',
  }),
});
export type ModelArtifact = z.infer<typeof modelArtifactSchema>;

const DEFAULT_MAX_FEATURES = 4;

/** Trains a seeded random forest on labelled rows. */
export function trainModel(rows: readonly LabelledPenguin[], hyperparameters: Hyperparameters, seed: number): ModelArtifact {
  const encoding = defaultEncoding();
  const classes = [...SPECIES];
  const forest = new RandomForestClassifier({
    nEstimators: hyperparameters.trees,
    maxFeatures: hyperparameters.maxFeatures ?? DEFAULT_MAX_FEATURES,
    // Without replacement: each tree sees distinct features (with replacement a tree may get the same column twice).
    replacement: false,
    useSampleBagging: true,
    // random-js wants a 32-bit integer seed.
    seed: seed | 0,
    noOOB: true,
    treeOptions: hyperparameters.maxDepth === undefined ? {} : { maxDepth: hyperparameters.maxDepth },
  });
  forest.train(
    rows.map((r) => encode(r, encoding)),
    rows.map((r) => classes.indexOf(r.species)),
  );
  return {
    format: MODEL_FORMAT,
    features: [...FEATURES],
    encoding,
    classes,
    hyperparameters,
    seed,
    trainingRows: rows.length,
    // Through JSON once: the stored file and the in-memory artifact are then the same data (e.g. maxDepth Infinity → null).
    forest: JSON.parse(JSON.stringify(forest.toJSON())) as ForestJson,
  };
}

/** Reads and validates a `model.json`; a file that is not one names the field that is wrong. */
export function readModel(path: string): ModelArtifact {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not a JSON model file (${(err as Error).message})`, { cause: err });
  }
  const parsed = modelArtifactSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path}: ${issue.path.join('.') || '(model)'}: ${issue.message}`);
  }
  return parsed.data;
}

export interface Prediction {
  species: string;
  /** Share of the trees voting for each class. */
  probabilities: Record<string, number>;
}

/** A loaded model: predicts species with vote shares. */
export interface Classifier {
  readonly artifact: ModelArtifact;
  readonly encoding: Encoding;
  predict(records: readonly Penguin[]): Prediction[];
}

/**
 * Rebuilds the forest from an artifact. Probabilities are the trees' vote shares, computed here from
 * `predictionValues` because the library's `predictProbability` (2.1.0) folds its reduce without an initial value and
 * so miscounts the first tree.
 */
export function loadClassifier(artifact: ModelArtifact): Classifier {
  const forest = RandomForestClassifier.load(artifact.forest);
  const { classes, encoding } = artifact;
  return {
    artifact,
    encoding,
    predict(records) {
      if (records.length === 0) return [];
      const votes = forest.predictionValues(records.map((r) => encode(r, encoding)));
      return records.map((_, i) => {
        const counts = new Array<number>(classes.length).fill(0);
        const row = votes.getRow(i);
        for (const vote of row) counts[vote]! += 1;
        // Ties go to the first class in order, so `species` always agrees with the largest probability.
        const best = counts.indexOf(Math.max(...counts));
        return {
          species: classes[best]!,
          probabilities: Object.fromEntries(classes.map((c, k) => [c, counts[k]! / row.length])),
        };
      });
    },
  };
}
