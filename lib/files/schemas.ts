// Inputs of the files API, the admin UI's actions and the CLI: one schema each, validated at
// the boundary. Free of server imports, so client components may use them too. Messages leave
// out the field name: toAppError() puts the path in front ("limit: must be at least 1.").
import { z } from 'zod';

export const FILE_SORTS = ['date', 'name', 'size'] as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;
export const VISIBILITIES = ['private', 'public'] as const;
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;

// Query strings send '' for a present-but-empty parameter; treat it as absent.
const blankAsUndefined = (value: unknown) => (value === '' || value === null ? undefined : value);

export const visibilitySchema = z.enum(VISIBILITIES, { error: 'must be "private" or "public".' });

/** `1`, `true`, `yes`, `on` and `0`, `false`, `no`, `off` (any case); absent is false. */
export const booleanFlagSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z.union(
    [
      z.boolean(),
      z.enum(['1', 'true', 'yes', 'on', '']).transform(() => true),
      z.enum(['0', 'false', 'no', 'off']).transform(() => false),
    ],
    { error: 'must be 1 or 0 (or true or false).' },
  ),
);

/** `GET /api/v1/files` and the admin file list. */
export const listFilesQuerySchema = z
  .object({
    q: z.preprocess(blankAsUndefined, z.string().trim().max(255, 'must be at most 255 characters.').optional()),
    sort: z.preprocess(blankAsUndefined, z.enum(FILE_SORTS, { error: 'must be date, name or size.' }).default('date')),
    order: z.preprocess(blankAsUndefined, z.enum(SORT_ORDERS, { error: 'must be asc or desc.' }).optional()),
    limit: z.preprocess(
      blankAsUndefined,
      z.coerce
        .number({ error: 'must be a number.' })
        .int('must be a whole number.')
        .min(1, 'must be at least 1.')
        .max(LIST_LIMIT_MAX, `must be at most ${LIST_LIMIT_MAX}.`)
        .default(LIST_LIMIT_DEFAULT),
    ),
    cursor: z.preprocess(blankAsUndefined, z.string().max(2048, 'is not valid.').optional()),
  })
  // Newest first, A to Z, largest first, unless asked otherwise.
  .transform((query) => ({ ...query, order: query.order ?? (query.sort === 'name' ? 'asc' : 'desc') }) as const);

export type ListFilesQuery = z.output<typeof listFilesQuerySchema>;

/** `PATCH /api/v1/files/{id}`. */
export const updateFileBodySchema = z.strictObject(
  { visibility: visibilitySchema },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'Only "visibility" can be changed.'
        : 'Send a JSON object like {"visibility":"public"}.',
  },
);

export type UpdateFileBody = z.output<typeof updateFileBodySchema>;

/** `POST /api/v1/files?visibility=public&replace=1` (and the UI's and CLI's upload options). */
export const uploadQuerySchema = z.object({
  visibility: z.preprocess(blankAsUndefined, visibilitySchema.optional()),
  replace: z.preprocess(blankAsUndefined, booleanFlagSchema.optional()).transform((value) => value ?? false),
});

export type UploadQuery = z.output<typeof uploadQuerySchema>;

/** A file id from a URL path: stored ids are short, so anything long is not one. */
export const fileIdSchema = z.string().min(1, 'The file id is empty.').max(128, 'No such file id.');

/** URLSearchParams (or Next's searchParams object) as a plain object for the schemas above. */
export function searchParamsToObject(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  if (params instanceof URLSearchParams) {
    const out: Record<string, string> = {};
    // The first value wins when a parameter repeats, as in most frameworks.
    for (const [key, value] of params) if (!(key in out)) out[key] = value;
    return out;
  }
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]),
  );
}
