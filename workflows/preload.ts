// Evaluated once per workflow thread and shared by every workflow context (the bundler's `preloadModules`).
import { z } from 'zod';

// Reads zod's lazily cached capabilities once, before the shared modules are frozen: a first read inside a workflow
// would write to a frozen object.
z.strictObject({ a: z.string().min(1), b: z.array(z.number()).optional() }).safeParse({ a: 'x', b: [1] });

/** The zod namespace, required here so that its modules land in the shared module cache. */
export const zod = z;
