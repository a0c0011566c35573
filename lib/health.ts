// Whether the server can do its job: the database is there, is the file this process opened,
// answers and can be written; the storage directory can be written and has room. The front
// server answers /api/health itself (also in --downloads-only mode) and adds what its record
// queues hold; the Next route (for `next dev`) answers the same checks.
import fs from 'node:fs';
import { databaseProblem, describeDatabaseProblem } from './db/database-state';
import { batchedWriteStats } from './db/batched-writes';
import { prepared, writerConnection } from './db/hot-writer';
import { env } from './env';

/** Less free space than this in the storage directory is a full disk: no upload can succeed. */
const FULL_BELOW_BYTES = 1024 * 1024;

export type Health = {
  ok: boolean;
  /** One sentence per problem, for an operator (no secrets, no paths). */
  problems: string[];
  details: {
    database: 'ok' | 'missing' | 'replaced' | 'read-only' | 'not answering';
    storage: 'ok' | 'not writable' | 'full';
    /** Records waiting to be written, and lost since start, per queue (front server only). */
    records: Record<string, { pending: number; lost: number }>;
  };
};

export async function checkHealth(): Promise<Health> {
  const problems: string[] = [];
  let database: Health['details']['database'] = databaseProblem() ?? 'ok';
  if (database === 'ok') {
    try {
      prepared(writerConnection(), 'SELECT 1').get();
    } catch {
      database = 'not answering';
    }
  }
  if (database !== 'ok') {
    problems.push(database === 'not answering' ? 'the database does not answer' : describeDatabaseProblem(database));
  }

  let storage: Health['details']['storage'] = 'ok';
  const storageDir = env().storageDir;
  try {
    await fs.promises.access(storageDir, fs.constants.W_OK | fs.constants.R_OK);
    const space = await fs.promises.statfs(storageDir);
    if (space.bavail * space.bsize < FULL_BELOW_BYTES) storage = 'full';
  } catch {
    storage = 'not writable';
  }
  if (storage === 'full') problems.push('the storage directory has no space left');
  if (storage === 'not writable') problems.push('the storage directory cannot be written');

  const records: Health['details']['records'] = {};
  for (const { name, pending, lost } of batchedWriteStats()) records[name] = { pending, lost };
  return { ok: problems.length === 0, problems, details: { database, storage, records } };
}

/** The JSON body and status of /api/health. */
export function healthAnswer(health: Health): { status: number; body: string } {
  const body = health.ok
    ? { status: 'ok', details: health.details }
    : { status: 'unavailable', problems: health.problems, details: health.details };
  return { status: health.ok ? 200 : 503, body: JSON.stringify(body) };
}
