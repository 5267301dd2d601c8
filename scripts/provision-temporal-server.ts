// Finds or builds Temporal Server 1.29.1 and its SQL tool (see src/temporal/server-provision.ts) for the cluster test,
// and prints where they are. `.ci/run` starts it in the background so the build overlaps the rest of the set-up.
import { provisionTemporalServer } from '../src/temporal/server-provision.js';

const found = await provisionTemporalServer();
console.log(`${found.server}\n${found.sqlTool}`);
