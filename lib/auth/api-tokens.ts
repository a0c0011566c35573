// API tokens for `Authorization: Bearer`: 256 random bits, shown once, stored only as their
// SHA-256 (a fast hash is enough for a secret with 256 bits of entropy; nothing to brute
// force), with an optional expiry, a last-used time and revocation.
import 'server-only';
import crypto from 'node:crypto';
import { z } from 'zod';
import { type Actor, recordAudit } from '../audit';
import { db } from '../db';
import { isBusy } from '../db/busy';
import { parseDuration } from '../env/units';
import { AppError } from '../errors';

export const API_TOKEN_PREFIX = 'fsk_';
export const DEFAULT_TOKEN_EXPIRY = '90d';
// Writing lastUsedAt on every request would turn every API read into a write.
export const LAST_USED_RESOLUTION_MS = 60_000;

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^fsk_[A-Za-z0-9_-]{43}$/;

export const tokenNameSchema = z
  .string()
  .trim()
  .min(1, 'The token name must not be empty.')
  .max(64, 'The token name must be at most 64 characters.')
  .regex(/^[^\p{Cc}]+$/u, 'The token name must not contain control characters.');

export type ApiTokenStatus = 'active' | 'expired' | 'revoked';

/** What callers may see of a token: never the token or its hash. */
export type ApiTokenSummary = {
  id: string;
  name: string;
  userId: string;
  username: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  status: ApiTokenStatus;
};

const summarySelect = {
  id: true,
  name: true,
  userId: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  user: { select: { username: true } },
} as const;

type SelectedToken = {
  id: string;
  name: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  user: { username: string };
};

function toSummary({ user, ...token }: SelectedToken, now = Date.now()): ApiTokenSummary {
  const status: ApiTokenStatus = token.revokedAt
    ? 'revoked'
    : token.expiresAt && token.expiresAt.getTime() <= now
      ? 'expired'
      : 'active';
  return { ...token, username: user.username, status };
}

export function hashApiToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * "90d", "12h", "1w" -> milliseconds; "never" -> null. Throws AppError('validation_failed')
 * for anything else, so the CLI and the admin page word the problem the same way.
 */
export function parseTokenExpiry(input: string): number | null {
  const value = input.trim().toLowerCase();
  if (value === 'never') return null;
  const ms = parseDuration(value);
  if (ms === null || ms < 60_000) {
    throw new AppError(
      'validation_failed',
      `"${input}" is not an expiry: use a duration like 30d, 12h or 1w, or "never".`,
    );
  }
  return ms;
}

export async function createApiToken({
  name,
  userId,
  expiresInMs,
  actor,
}: {
  name: string;
  userId: string;
  expiresInMs: number | null;
  actor: Actor;
}): Promise<{ token: string; record: ApiTokenSummary }> {
  const parsedName = tokenNameSchema.safeParse(name);
  if (!parsedName.success) throw new AppError('validation_failed', parsedName.error.issues[0].message);
  if (expiresInMs !== null && (!Number.isFinite(expiresInMs) || expiresInMs <= 0)) {
    throw new AppError('validation_failed', 'The token expiry must be in the future.');
  }
  const owner = await db().user.findUnique({ where: { id: userId }, select: { username: true } });
  if (!owner) throw new AppError('not_found', 'The owner of the token does not exist.');

  const token = API_TOKEN_PREFIX + crypto.randomBytes(TOKEN_BYTES).toString('base64url');
  const created = await db().apiToken.create({
    data: {
      name: parsedName.data,
      userId,
      tokenHash: hashApiToken(token),
      expiresAt: expiresInMs === null ? null : new Date(Date.now() + expiresInMs),
    },
    select: summarySelect,
  });
  const record = toSummary(created);
  await recordAudit({
    action: 'token_create',
    actor,
    info: {
      name: record.name,
      id: record.id,
      owner: record.username,
      expires: record.expiresAt ? record.expiresAt.toISOString() : 'never',
    },
  });
  return { token, record };
}

/** Every token (or one user's), newest first. */
export async function listApiTokens(userId?: string): Promise<ApiTokenSummary[]> {
  const tokens = await db().apiToken.findMany({
    where: userId ? { userId } : undefined,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: summarySelect,
  });
  const now = Date.now();
  return tokens.map((token) => toSummary(token, now));
}

/**
 * Revokes a token at once. Revoking a revoked token changes nothing (`changed: false`), so
 * retrying is safe.
 */
export async function revokeApiToken({
  id,
  actor,
}: {
  id: string;
  actor: Actor;
}): Promise<{ token: ApiTokenSummary; changed: boolean }> {
  const found = await db().apiToken.findUnique({ where: { id }, select: summarySelect });
  if (!found) throw new AppError('not_found', `There is no API token with id "${id}".`);
  if (found.revokedAt) return { token: toSummary(found), changed: false };
  // The condition makes a concurrent second revoke a no-op instead of moving revokedAt.
  const { count } = await db().apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const token = toSummary((await db().apiToken.findUnique({ where: { id }, select: summarySelect }))!);
  if (count === 0) return { token, changed: false };
  await recordAudit({ action: 'token_revoke', actor, info: { name: token.name, id: token.id, owner: token.username } });
  return { token, changed: true };
}

/**
 * The token's record and owner when `token` is a current API token; null when it is unknown,
 * malformed, expired or revoked. Looked up by its hash, so the comparison never touches the
 * secret itself.
 */
export async function authenticateApiToken(
  token: string,
): Promise<{ token: ApiTokenSummary; user: { id: string; username: string } } | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const found = await db().apiToken.findUnique({ where: { tokenHash: hashApiToken(token) }, select: summarySelect });
  if (!found) return null;
  const now = Date.now();
  const summary = toSummary(found, now);
  if (summary.status !== 'active') return null;

  if (!found.lastUsedAt || now - found.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional, so parallel requests of one token write at most once per minute.
    const stale = new Date(now - LAST_USED_RESOLUTION_MS);
    const lastUsedAt = new Date(now);
    // Not awaited: a busy database must not hold up (or fail) the request this token makes.
    void db()
      .apiToken.updateMany({
        where: { id: found.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: stale } }] },
        data: { lastUsedAt },
      })
      .catch((error: unknown) => {
        if (!isBusy(error)) console.error('[api] could not record a token use:', error);
      });
    summary.lastUsedAt = lastUsedAt;
  }
  return { token: summary, user: { id: found.userId, username: found.user.username } };
}
