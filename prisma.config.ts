// Prisma CLI configuration. The database URL follows the same defaults as the server
// (lib/env/paths.ts), so `prisma migrate dev`, `migrate deploy` and `db seed` need no flags.
import { defineConfig } from 'prisma/config';
import { resolveDatabaseUrl } from './lib/env/paths';
import { useOfflineSchemaEngineWhenNeeded } from './prisma/engine/select';

useOfflineSchemaEngineWhenNeeded();

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'node scripts/seed.mjs',
  },
  datasource: {
    url: resolveDatabaseUrl(process.env),
  },
});
