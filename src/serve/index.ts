// Ferry's model server, the gateway: routing state from `serving_routes`, traffic split, batched prediction log, a backend per version (JS or V2).
export { createModelServer, type ModelServer, type ModelServerOptions } from './server.js';
export { createPredictionLogger, type PredictionLogger, type PredictionLoggerOptions, type PredictionLoggerStats, type PredictionRecord } from './prediction-logger.js';
export { createSeededRng, pickVersion, type Rng } from './routing.js';
export { predictBodySchema, feedbackBodySchema, type PredictBody, type FeedbackBody } from './schemas.js';
export { backendSpecSchema, backendsSchema, type BackendSpec, type Backends } from './backend-spec.js';
export { BackendError, createJsBackend, createV2Backend, type Backend, type TensorMetadata } from './backends/index.js';
export { inferenceRequestSchema, inferenceResponseSchema, recordsFromTensors, tensorsFromOutputs, tensorsFromRecords, type InferenceRequest, type InferenceResponse, type Tensor } from './v2.js';
