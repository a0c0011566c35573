// Whether the server can do its job: the database answers and the storage directory is writable.
import fs from 'node:fs/promises';
import { db } from './db';
import { env } from './env';

export async function checkHealth(): Promise<{ ok: boolean; problems: string[] }> {
  const problems: string[] = [];
  try {
    await db().$queryRawUnsafe('SELECT 1');
  } catch {
    problems.push('database');
  }
  try {
    await fs.access(env().storageDir, fs.constants.W_OK | fs.constants.R_OK);
  } catch {
    problems.push('storage');
  }
  return { ok: problems.length === 0, problems };
}
