/** A record of input features, as a predictor receives it. */
export type Row = Record<string, unknown>;

/** Predicts one class label per row. */
export type PredictClasses = (rows: Row[]) => Promise<string[]>;

/** Predicts, per row, a probability for each class label. */
export type PredictProba = (rows: Row[]) => Promise<Record<string, number>[]>;

/** The generic classifier every risk computation works on. */
export interface Classifier {
  predict: PredictClasses;
  predictProba?: PredictProba;
}

/** Score used by permutation importance (sklearn's `accuracy` and `f1_macro`). */
export type ScoreMetric = 'accuracy' | 'macro-f1';
