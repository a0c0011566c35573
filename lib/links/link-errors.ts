// The answers to a link that may not download, as AppErrors: the user sees one sentence (403
// "not valid" whatever the cause, so a prober learns nothing; 410 says which: expired, used,
// revoked), and `details.reason` tells the audit log precisely why.
import { AppError } from '../errors';

export const LINK_DENIAL_REASONS = [
  'malformed',
  'wrong_algorithm',
  'unknown_key',
  'retired_key',
  'bad_signature',
  'wrong_file',
  'unknown_link',
  'expired',
  'used',
  'revoked',
  'deleted',
] as const;

export type LinkDenialReason = (typeof LINK_DENIAL_REASONS)[number];

export type LinkDenial = { reason: LinkDenialReason; linkId: string | null };

export function linkInvalid(reason: LinkDenialReason, linkId: string | null = null): AppError {
  return new AppError('link_invalid', 'This link is not valid.', { reason, linkId });
}

export function linkExpired(expiresAt: Date, linkId: string | null = null): AppError {
  return new AppError('link_expired', `This link expired at ${formatUtc(expiresAt)}.`, {
    reason: 'expired',
    linkId,
    expiresAt: expiresAt.toISOString(),
  });
}

export function linkUsed(maxDownloads: number, linkId: string): AppError {
  const message =
    maxDownloads === 1
      ? 'This one-time link was already used.'
      : `This link was already used ${maxDownloads} times, its download limit.`;
  return new AppError('link_used', message, { reason: 'used', linkId });
}

export function linkRevoked(linkId: string): AppError {
  return new AppError('link_revoked', 'This link was revoked.', { reason: 'revoked', linkId });
}

/**
 * A genuine link (signature verified) to a file that is gone: no row with its id any more, or
 * a row of a later upload (another generation). Nothing about the new file is said.
 */
export function linkFileDeleted(linkId: string | null = null): AppError {
  return new AppError('gone', 'This file was deleted.', { reason: 'deleted', linkId });
}

/** The reason behind a link error (for link_denied), or null for any other error. */
export function linkDenialOf(error: unknown): LinkDenial | null {
  if (!(error instanceof AppError) || !(error.code.startsWith('link_') || error.code === 'gone')) return null;
  const reason = error.details?.reason;
  if (typeof reason !== 'string' || !(LINK_DENIAL_REASONS as readonly string[]).includes(reason)) return null;
  const linkId = error.details?.linkId;
  return { reason: reason as LinkDenialReason, linkId: typeof linkId === 'string' ? linkId : null };
}

/** `2026-11-23T19:22:53Z`: ISO 8601 UTC to the second. */
export function formatUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
