'use server';

// Server actions of the share dialog (mounted in file rows and on the links page). Each checks
// the session first, validates with the links schemas and answers with a sentence instead of
// throwing. The QR code is drawn here, on the server, as a data: URL: no external service and
// no QR library in the browser bundle.
import { revalidatePath } from 'next/cache';
import QRCode from 'qrcode';
import { z } from 'zod';
import { requireAdminAction } from '@/lib/auth/current-admin';
import { env } from '@/lib/env';
import { toAppError } from '@/lib/errors';
import { fileIdSchema } from '@/lib/files';
import { createLink, createLinkBodySchema } from '@/lib/links';

export type ShareActionResult<T> = { ok: true; value: T } | { ok: false; message: string };

export type ShareSettings = {
  /** LINK_MAX_TTL in seconds: no link may live longer. */
  maxTtlSeconds: number;
  /** LINK_DEFAULT_TTL in seconds: what the dialog picks first. */
  defaultTtlSeconds: number;
};

export type SharedLink = {
  /** Link id; null for an untracked link. */
  id: string | null;
  url: string;
  /** ISO 8601, UTC. */
  expiresAt: string;
  maxDownloads: number | null;
  tracked: boolean;
  /** A PNG of the URL's QR code, as a data: URL. */
  qrDataUrl: string;
};

/** The TTL bounds for the dialog, read when it opens (the file row knows only the file). */
export async function shareSettingsAction(): Promise<ShareActionResult<ShareSettings>> {
  try {
    await requireAdminAction();
    const config = env();
    return {
      ok: true,
      value: {
        maxTtlSeconds: Math.floor(config.linkMaxTtlMs / 1000),
        defaultTtlSeconds: Math.floor(config.linkDefaultTtlMs / 1000),
      },
    };
  } catch (error) {
    return failure(error);
  }
}

const createShareLinkSchema = z.object({ fileId: fileIdSchema, link: createLinkBodySchema });

export async function createShareLinkAction(input: {
  fileId: string;
  link: { ttlSeconds: number; maxDownloads: number | null; tracked: boolean };
}): Promise<ShareActionResult<SharedLink>> {
  try {
    const admin = await requireAdminAction();
    const { fileId, link } = createShareLinkSchema.parse(input);
    const created = await createLink({
      fileId,
      ttlMs: link.ttlSeconds === undefined ? undefined : link.ttlSeconds * 1000,
      maxDownloads: link.maxDownloads ?? null,
      tracked: link.tracked,
      actor: admin.actor,
      userId: admin.userId,
    });
    // Margin 2 (half the standard quiet zone) still scans, and leaves more room for the modules.
    const qrDataUrl = await QRCode.toDataURL(created.url, { errorCorrectionLevel: 'M', margin: 2, width: 384 });
    if (created.tracked) revalidatePath('/admin/links');
    return {
      ok: true,
      value: {
        id: created.id,
        url: created.url,
        expiresAt: created.expiresAt.toISOString(),
        maxDownloads: created.maxDownloads,
        tracked: created.tracked,
        qrDataUrl,
      },
    };
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): { ok: false; message: string } {
  const appError = toAppError(error);
  if (appError.code === 'internal') console.error('[share-actions]', error);
  return { ok: false, message: appError.message };
}
