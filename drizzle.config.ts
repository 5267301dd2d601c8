import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` turns the schema in src/db/schema into SQL in migrations/; applied migrations are never edited.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/*.ts',
  out: './migrations',
});
