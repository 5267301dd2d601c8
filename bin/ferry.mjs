#!/usr/bin/env node
// The `ferry` bin: registers tsx so the CLI, pipeline files and ferry.config.ts load as TypeScript, then hands over.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
// Exit explicitly: a lingering handle (a gRPC channel, a pool) must not keep a finished command alive.
process.exit(await main(process.argv));
