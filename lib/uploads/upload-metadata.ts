// What a resumable upload says about itself in tus's Upload-Metadata header: the file name
// (`filename`, or `name` as some clients send it), and optionally `visibility` and `replace`
// with the same meaning as the query parameters of POST /api/v1/files.
import 'server-only';
import { AppError } from '../errors';
import { normalizeFileName } from '../files/file-name';
import { uploadQuerySchema } from '../files/schemas';
import type { Visibility } from '../files/types';

export type UploadMetadata = { name: string; visibility?: Visibility; replace: boolean };

export function parseUploadMetadata(metadata: Record<string, string | null> | undefined): UploadMetadata {
  const given = metadata ?? {};
  const rawName = given.filename ?? given.name;
  if (!rawName) {
    throw new AppError('bad_request', 'Upload-Metadata must carry the file name ("filename").');
  }
  const name = normalizeFileName(rawName);
  const options = uploadQuerySchema.safeParse({
    visibility: given.visibility ?? undefined,
    replace: given.replace ?? undefined,
  });
  if (!options.success) {
    const issue = options.error.issues[0];
    throw new AppError(
      'validation_failed',
      `${issue?.path.join('.') ?? 'metadata'}: ${issue?.message ?? 'is not valid.'}`,
    );
  }
  return { name, visibility: options.data.visibility, replace: options.data.replace };
}
