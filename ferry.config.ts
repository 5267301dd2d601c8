import { fitLine } from './pipelines/hello/steps.js';
import { defineConfig } from './src/index.js';

// The step functions this project's workers register.
export default defineConfig({ steps: [fitLine] });
