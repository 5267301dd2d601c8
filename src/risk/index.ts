// Model risk computations: pure, deterministic for a seed, on a generic classifier.
export { calibration } from './calibration.js';
export type { CalibrationOptions, CalibrationReport, ReliabilityBin } from './calibration.js';
export { fairness, MISSING_GROUP } from './fairness.js';
export type { Disparities, FairnessOptions, FairnessReport, GroupMetrics, Rates } from './fairness.js';
export { permutationImportance, seededPermutations } from './importance.js';
export type { FeatureImportance, ImportanceReport, PermutationImportanceOptions, PermutationSource } from './importance.js';
export { accuracy, macroF1, perClassMetrics, score } from './metrics.js';
export type { ClassMetrics } from './metrics.js';
export { gaussian, mulberry32, permutation, shuffleInPlace } from './prng.js';
export { perturbationLabel, robustness, UNSEEN_CATEGORY } from './robustness.js';
export type { Perturbation, PerturbationResult, RobustnessOptions, RobustnessReport } from './robustness.js';
export type { Classifier, PredictClasses, PredictProba, Row, ScoreMetric } from './types.js';
export { evaluateRiskChecks } from './evaluate.js';
export type { RiskContext, RiskEvaluation, RiskReports } from './evaluate.js';
export type { RiskCheckResult } from './check-results.js';
