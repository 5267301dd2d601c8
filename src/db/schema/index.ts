export * from './audit.js';
export * from './governance.js';
export * from './lineage.js';
export * from './operations.js';
export * from './registry.js';
export * from './runs.js';
