import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The production topology on real servers (test/cluster/topology.cluster.ts): its own script, `npm run test:cluster`,
// like the crash matrix, because it takes minutes. Built from the main config field by field (mergeConfig would append
// this include to the main one).
export default defineConfig({ test: { ...base.test, include: ['test/cluster/**/*.cluster.ts'], maxWorkers: 1 } });
