// Backends behind Ferry's gateway: one per served version.
export { BackendError, type Backend, type TensorMetadata } from './backend.js';
export { createJsBackend } from './js.js';
export { createV2Backend, v2ModelUrl } from './v2.js';
export { createSagemakerBackend } from './sagemaker.js';
