import { fitLine } from './pipelines/hello/steps.js';
import { evaluate, predictor, train } from './pipelines/penguins/index.js';
import { defineConfig } from 'ferry';

// The step functions and predictors this project's workers register.
export default defineConfig({ steps: [fitLine, train, evaluate], predictors: [predictor] });
