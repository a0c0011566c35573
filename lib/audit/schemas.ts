// The audit log's filters, one schema for `GET /api/v1/logs`, the log viewer, its CSV export
// and the CLI. Query strings send '' for an empty field: that means "no filter".
import { z } from 'zod';
import { normalizeIp } from '../http/client-ip';
import { AUDIT_ACTIONS } from './actions';

export const LOG_LIMIT_DEFAULT = 100;
export const LOG_LIMIT_MAX = 500;

const blankAsUndefined = (value: unknown) =>
  (typeof value === 'string' && value.trim() === '') || value === null ? undefined : value;

const text = (max: number) =>
  z.preprocess(blankAsUndefined, z.string().trim().max(max, `must be at most ${max} characters.`).optional());

// `2026-11-23`, `2026-11-23T19:22`, `2026-11-23T19:22:53.123Z`, `2026-11-23T20:22:53+01:00`.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO 8601 instant. A time without a zone is UTC (never the server's local time, which
 * would make the answer depend on where the server runs); a date alone is its UTC midnight.
 */
export function parseInstant(value: string): Date | null {
  const match = ISO_8601.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const offset =
    !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = fraction.slice(0, 3).padEnd(3, '0');
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  if (Number.isNaN(date.getTime())) return null;
  // Date() rolls 2026-02-31 over to March: refuse it instead.
  if (!zone && date.getUTCDate() !== Number(d)) return null;
  return date;
}

const instant = z.preprocess(
  blankAsUndefined,
  z
    .union([z.date(), z.string()])
    .transform((value, ctx) => {
      const date = value instanceof Date ? value : parseInstant(value);
      if (!date || Number.isNaN(date.getTime())) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an ISO 8601 time like 2026-11-23T19:22:00Z (UTC when no zone is given).',
        });
        return z.NEVER;
      }
      return date;
    })
    .optional(),
);

const filterShape = {
  action: z.preprocess(
    blankAsUndefined,
    z.enum(AUDIT_ACTIONS, { error: `must be one of ${AUDIT_ACTIONS.join(', ')}.` }).optional(),
  ),
  user: text(200),
  // Typed in any spelling (`::ffff:10.0.0.1`, `2001:DB8::1`): compared in the stored form.
  ip: z.preprocess(
    blankAsUndefined,
    z
      .string()
      .trim()
      .max(100, 'must be at most 100 characters.')
      .transform((value) => normalizeIp(value) ?? value)
      .optional(),
  ),
  fileId: text(128),
  since: instant,
  until: instant,
};

const sinceBeforeUntil = (f: { since?: Date; until?: Date }) => !f.since || !f.until || f.since < f.until;
const sinceBeforeUntilError = { message: 'must be later than since.', path: ['until'] };

/** The filters of every log listing. `since` is inclusive, `until` exclusive. */
export const logFiltersSchema = z.object(filterShape).refine(sinceBeforeUntil, sinceBeforeUntilError);

export type LogFilters = z.output<typeof logFiltersSchema>;

/** Filters plus one page: `GET /api/v1/logs`, the viewer, `logs list`. */
export const logQuerySchema = z
  .object({
    ...filterShape,
    limit: z.preprocess(
      blankAsUndefined,
      z.coerce
        .number({ error: 'must be a number.' })
        .int('must be a whole number.')
        .min(1, 'must be at least 1.')
        .max(LOG_LIMIT_MAX, `must be at most ${LOG_LIMIT_MAX}.`)
        .default(LOG_LIMIT_DEFAULT),
    ),
    cursor: z.preprocess(blankAsUndefined, z.string().max(200, 'is not valid.').optional()),
  })
  .refine(sinceBeforeUntil, sinceBeforeUntilError);

export type LogQuery = z.output<typeof logQuerySchema>;

/** The filters as URL search parameters (times in UTC ISO), for links and the CSV export. */
export function logFiltersToSearchParams(
  filters: Partial<LogFilters> & { cursor?: string; limit?: number },
): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.action) params.set('action', filters.action);
  if (filters.user) params.set('user', filters.user);
  if (filters.ip) params.set('ip', filters.ip);
  if (filters.fileId) params.set('fileId', filters.fileId);
  if (filters.since) params.set('since', filters.since.toISOString());
  if (filters.until) params.set('until', filters.until.toISOString());
  if (filters.limit && filters.limit !== LOG_LIMIT_DEFAULT) params.set('limit', String(filters.limit));
  if (filters.cursor) params.set('cursor', filters.cursor);
  return params;
}
