import 'server-only';
import path from 'node:path';
import { AppError } from '../errors';

/**
 * Where a file's bytes live: `<storageDir>/<encodeURIComponent(id)>`. Encoding makes every id a
 * single path segment (Flask ids may hold "/" and "+"); "." and ".." would still name a
 * directory, and NUL or a lone surrogate cannot be a file name, so those are refused. The
 * final check guarantees the result is a direct child of storageDir whatever the id.
 * Used by downloads and by uploads alike, so both always agree on the path.
 */
export function resolveStoragePath(storageDir: string, fileId: string): string {
  if (fileId === '' || fileId === '.' || fileId === '..' || fileId.includes('\0')) throw invalidId();
  let segment: string;
  try {
    segment = encodeURIComponent(fileId);
  } catch {
    throw invalidId(); // lone surrogate
  }
  if (segment.length > 255) throw invalidId(); // NAME_MAX on every common file system
  const root = path.resolve(storageDir);
  const resolved = path.join(root, segment);
  if (path.dirname(resolved) !== root) throw invalidId();
  return resolved;
}

function invalidId(): AppError {
  return new AppError('bad_request', 'This is not a valid file id.');
}
