// A file's generation: which incarnation of a name a share link was made for. Ids are a hash
// of the name, so a file deleted and uploaded again under the same name gets the same id;
// the generation is what tells the two apart (README "Share links").
import crypto from 'node:crypto';

/** What the migration gave every file that existed before links carried a generation. */
export const LEGACY_FILE_GENERATION = 'legacy';

/**
 * Random per upload, kept by a replace. Not a secret (the token is signed): it only has to
 * differ between two uploads of one name, and it is short because every link carries it (an
 * HS256 link stays under 250 characters): 24 bits in 4 characters, so two uploads of one name
 * get the same generation with probability 2^-24.
 */
export function newFileGeneration(): string {
  return crypto.randomBytes(3).toString('base64url');
}
