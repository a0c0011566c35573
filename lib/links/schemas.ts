// Input of the link API and forms. No server-only import: the share dialog validates with the
// same schema. The upper TTL bound (LINK_MAX_TTL) is configuration, so createLink checks it.
import { z } from 'zod';

/** Largest maxDownloads accepted (a limit, not a counter: beyond this use an unlimited link). */
export const MAX_DOWNLOADS_LIMIT = 1_000_000;

/** The share dialog's TTL presets; "custom" is any number of seconds up to LINK_MAX_TTL. */
export const LINK_TTL_PRESETS = [
  { label: '15 minutes', seconds: 15 * 60 },
  { label: '1 hour', seconds: 60 * 60 },
  { label: '1 day', seconds: 24 * 60 * 60 },
  { label: '7 days', seconds: 7 * 24 * 60 * 60 },
] as const;

/** POST /api/v1/files/{id}/links. `maxDownloads: 1` is a one-time link, null or absent unlimited. */
export const createLinkBodySchema = z
  .strictObject({
    /** Lifetime in seconds; LINK_DEFAULT_TTL when absent. */
    ttlSeconds: z.number().int().min(1).optional(),
    maxDownloads: z.number().int().min(1).max(MAX_DOWNLOADS_LIMIT).nullable().optional(),
    /** false: no database row (cannot be revoked on its own, no download limit). Default true. */
    tracked: z.boolean().optional(),
  })
  .refine((body) => body.tracked !== false || body.maxDownloads == null, {
    message: 'One-time and limited links must be tracked.',
    path: ['tracked'],
  });

export type CreateLinkBody = z.infer<typeof createLinkBodySchema>;

/** GET /api/v1/links. */
export const listLinksQuerySchema = z.object({
  fileId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional(),
});

export type ListLinksQuery = z.infer<typeof listLinksQuerySchema>;
