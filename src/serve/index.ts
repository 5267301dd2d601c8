// Ferry's model server: routing state from `serving_routes`, traffic split, batched prediction log.
export { createModelServer, type ModelServer, type ModelServerOptions } from './server.js';
export { createPredictionLogger, type PredictionLogger, type PredictionLoggerOptions, type PredictionLoggerStats, type PredictionRecord } from './prediction-logger.js';
export { createSeededRng, pickVersion, type Rng } from './routing.js';
export { predictBodySchema, feedbackBodySchema, type PredictBody, type FeedbackBody } from './schemas.js';
