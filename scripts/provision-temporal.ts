// Finds or builds the pinned Temporal CLI (see src/temporal/provision.ts) and prints its path.
import { provisionTemporalCli } from '../src/temporal/provision.js';

console.log(await provisionTemporalCli({ explicitPath: process.env.TEMPORAL_CLI }));
