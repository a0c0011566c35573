// A fresh data directory with a migrated database for one test file. Never the user's ./data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPendingMigrations } from '../db/migrate';
import { closeDb } from '../db';
import { resetEnvForTests } from '../env';

export type TempEnv = { dataDir: string; databaseUrl: string; storageDir: string; cleanup: () => Promise<void> };

/**
 * Creates a temp DATA_DIR, points process.env at it (plus `overrides`), migrates the database
 * and resets the cached env and client. Call `cleanup` in afterAll.
 */
export async function createTempEnv(overrides: Record<string, string> = {}): Promise<TempEnv> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-test-'));
  const databaseUrl = `file:${path.join(dataDir, 'fileserver.db')}`;
  const storageDir = path.join(dataDir, 'files');
  fs.mkdirSync(storageDir, { recursive: true });
  const previous = { ...process.env };
  for (const key of ['DATABASE_URL', 'STORAGE_DIR', 'AUTH_SECRET', 'MASTER_SECRET', 'PUBLIC_URL'])
    delete process.env[key];
  Object.assign(process.env, { DATA_DIR: dataDir, NODE_ENV: 'test' }, overrides);
  resetEnvForTests();
  await closeDb();
  await applyPendingMigrations(databaseUrl);
  return {
    dataDir,
    databaseUrl,
    storageDir,
    cleanup: async () => {
      await closeDb();
      resetEnvForTests();
      process.env = previous;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
