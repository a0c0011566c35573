import 'server-only';
import { recordAudit, type Actor } from '../audit';
import type { LinkDenialReason } from './link-errors';

export type LinkDeniedEntry = {
  reason: LinkDenialReason;
  /** The file id from the URL (may name no file). */
  fileId: string;
  /** Only from a verified token (never from one whose signature failed). */
  linkId?: string | null;
  actor: Actor;
};

/** Writes link_denied with its reason. Never the token: it is a credential until it expires. */
export async function recordLinkDenied({ reason, fileId, linkId, actor }: LinkDeniedEntry): Promise<void> {
  // The id comes from the request: cut it so a hostile URL cannot bloat the log.
  const file = fileId.slice(0, 100);
  await recordAudit({
    action: 'link_denied',
    actor,
    fileId: file,
    info: { reason, file_id: file, link_id: linkId ?? undefined },
  });
}
