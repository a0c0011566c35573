// The one rule for file names, whoever gives them (browser, API, CLI, resumable upload).
// Names are kept as the user wrote them (no Flask-style secure_filename folding): files are
// stored by id, so a name never becomes a path.
import { z } from 'zod';
import { AppError } from '../errors';

export const MAX_FILE_NAME_BYTES = 255;

// C0 and C1 control characters (includes NUL, tab, CR, LF, DEL).
const CONTROL = /\p{Cc}/u;
// In a /u regex a proper surrogate pair is one code point, so this only matches lone halves,
// which cannot be encoded as UTF-8 and would hash differently from what is shown.
const LONE_SURROGATE = /\p{Cs}/u;
// Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C): a name with U+202E
// shows `invoice_fdp.exe` as `invoice_exe.pdf`.
const BIDI_CONTROL = /\p{Bidi_Control}/u;

export const fileNameSchema = z
  .string({ error: 'The file name must be text.' })
  .transform((value) => value.trim().normalize('NFC'))
  .superRefine((name, ctx) => {
    const problem = fileNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function fileNameProblem(name: string): string | null {
  if (name.length === 0) return 'The file name is empty.';
  if (name === '.' || name === '..') return `"${name}" is not a file name.`;
  if (name.includes('/') || name.includes('\\')) return 'The file name must not contain "/" or "\\".';
  if (name.includes('\0')) return 'The file name must not contain a NUL character.';
  if (CONTROL.test(name)) return 'The file name must not contain control characters such as tabs or line breaks.';
  if (BIDI_CONTROL.test(name)) {
    return 'The file name must not contain bidirectional control characters (such as U+202E), which disguise names.';
  }
  if (LONE_SURROGATE.test(name)) return 'The file name is not valid Unicode text.';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_FILE_NAME_BYTES) {
    return `The file name is too long: ${bytes} bytes in UTF-8, at most ${MAX_FILE_NAME_BYTES} are allowed.`;
  }
  return null;
}

/**
 * The stored form of a user-given name (trimmed, NFC), or AppError('validation_failed') with a
 * sentence saying what is wrong.
 */
export function normalizeFileName(name: unknown): string {
  const parsed = fileNameSchema.safeParse(name);
  if (parsed.success) return parsed.data;
  throw new AppError('validation_failed', parsed.error.issues[0]?.message ?? 'The file name is not valid.');
}
