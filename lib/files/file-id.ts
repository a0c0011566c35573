// Short file ids: a hash of the file name, URL-safe, cut to a configured length. The id is
// stored, so changing the algorithm or the length later never breaks an issued link.
import crypto from 'node:crypto';
import { env } from '../env';
import { isReservedPath } from './reserved-paths';

export { RESERVED_PATHS, isReservedPath } from './reserved-paths';

export type FileIdOptions = { algorithm: string; length: number };

/** The full URL-safe digest (base64url, no padding) of the UTF-8 name. */
export function fileIdDigest(name: string, algorithm: string): string {
  return crypto.createHash(algorithm).update(name, 'utf8').digest('base64url');
}

/**
 * The id of `name` without collision handling. Same algorithm as the Flask server, but
 * base64url instead of standard base64: sha256('f4.txt') gives `Ez5tN6_Y` where Flask gave
 * `Ez5tN6/Y`.
 */
export function deriveFileId(name: string, { algorithm, length }: FileIdOptions): string {
  return fileIdDigest(name, algorithm).slice(0, length);
}

export type ChosenFileId = {
  id: string;
  /** Shorter candidates that were already in use by other files, in the order tried. */
  collisions: string[];
};

/**
 * The id for a new file named `name`: the configured length first, then one character longer
 * each time the candidate is taken (by a different file) or is a reserved path, up to the full
 * digest. The candidates depend on the name only, so the same name always walks the same
 * sequence. `isTaken` must answer whether another file already holds the id.
 */
export async function chooseFileId(
  name: string,
  isTaken: (id: string) => Promise<boolean>,
  options: FileIdOptions = { algorithm: env().fileIdAlgorithm, length: env().fileIdLength },
): Promise<ChosenFileId> {
  const chosen = await chooseIdFromDigest(fileIdDigest(name, options.algorithm), options.length, isTaken);
  // Only reachable when every prefix of a 128+ bit digest is taken: not by chance.
  if (!chosen)
    throw new Error(`no free file id for "${name}": every prefix of its ${options.algorithm} digest is taken`);
  return chosen;
}

/** The walk of `chooseFileId` over the prefixes of a digest; null when none is free. */
export async function chooseIdFromDigest(
  digest: string,
  startLength: number,
  isTaken: (id: string) => Promise<boolean>,
): Promise<ChosenFileId | null> {
  const collisions: string[] = [];
  for (let length = Math.min(startLength, digest.length); length <= digest.length; length++) {
    const candidate = digest.slice(0, length);
    if (isReservedPath(candidate)) continue;
    if (await isTaken(candidate)) {
      collisions.push(candidate);
      continue;
    }
    return { id: candidate, collisions };
  }
  return null;
}
