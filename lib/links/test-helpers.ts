// Shared by the links and keys tests.
import { db } from '../db';
import { AppError } from '../errors';
import { linkDenialOf } from './link-errors';

/** A File row (no bytes on disk: links never read the file). */
export async function addFile(id: string, name = `${id}.bin`) {
  return db().file.create({ data: { id, name, size: 1234n, type: 'application/octet-stream' } });
}

/** What a refused call answered: the error code and the audit reason. */
export async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; status: number; reason: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { code: error.code, status: error.status, reason: linkDenialOf(error)?.reason, message: error.message };
  }
  throw new Error('expected a refusal, but the call succeeded');
}

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
