import 'server-only';
import { recordAudit, type Actor } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';

export type RevokedLink = { id: string; fileId: string; revokedAt: Date };

/**
 * Revokes a tracked link: every later request for it gets 410 "revoked" (a download already
 * streaming is not cut off). Revoking twice is not an error and is logged once.
 */
export async function revokeLink({
  id,
  actor,
  now = new Date(),
}: {
  id: string;
  actor: Actor;
  now?: Date;
}): Promise<RevokedLink> {
  const changed = await db().link.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  const link = await db().link.findUnique({ where: { id }, select: { id: true, fileId: true, revokedAt: true } });
  if (!link || !link.revokedAt) throw new AppError('not_found', 'No such link. Only tracked links can be revoked.');
  if (changed.count === 1) {
    await recordAudit({
      action: 'link_revoke',
      actor,
      fileId: link.fileId,
      info: { link_id: link.id, file_id: link.fileId },
    });
  }
  return { id: link.id, fileId: link.fileId, revokedAt: link.revokedAt };
}
