// Finds or builds the pinned MinIO server (see src/provision/minio.ts) and prints its path.
import { provisionMinio } from '../src/provision/minio.js';

console.log(await provisionMinio());
