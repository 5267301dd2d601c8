#!/usr/bin/env node
// The `ferry` bin: registers tsx so the CLI, pipeline files and ferry.config.ts load as TypeScript, then hands over.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
