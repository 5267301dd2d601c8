// Finds or builds the pinned Compose CLI (see src/provision/compose.ts) and prints its command.
import { provisionComposeCli } from '../src/provision/compose.js';

console.log((await provisionComposeCli()).join(' '));
