import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:crash`: the whole crash matrix, one file, on its own (it kills and restarts ferry dev many times).
export default mergeConfig(base, defineConfig({ test: { include: ['test/crash/**/*.crash.ts'], maxWorkers: 1 } }));
