import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:crash`: the whole crash matrix, one file, on its own (it kills and restarts ferry dev many times).
// Built from the main config field by field: mergeConfig would append this include to the main one.
export default defineConfig({ test: { ...base.test, include: ['test/crash/**/*.crash.ts'], maxWorkers: 1 } });
