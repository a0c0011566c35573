// The audit log: one function every feature calls. Times are UTC (stored as epoch ms, like
// the Flask server's `logs.timestamp`). Never pass tokens, passwords or key material in info.
import 'server-only';
import { db } from '../db';

export const AUDIT_ACTIONS = [
  'login',
  'login_failed',
  'logout',
  'upload',
  'download',
  'delete',
  'link_create',
  'link_revoke',
  'link_denied',
  'user_add',
  'user_delete',
  'user_passwd',
  'key_rotate',
  'token_create',
  'token_revoke',
  'anonymize',
  'setup',
  'visibility',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who did it: a username, `token:<name> (<owner>)`, `cli`, or `anonymous`. */
export type Actor = { user: string | null; ip: string | null };

export const CLI_ACTOR: Actor = { user: 'cli', ip: 'terminal' };

export type AuditEntry = {
  action: AuditAction;
  actor: Actor;
  info?: Record<string, string | number | boolean | null | undefined> | string;
  fileId?: string | null;
};

export async function recordAudit({ action, actor, info, fileId }: AuditEntry): Promise<void> {
  await db().log.create({
    data: {
      action,
      user: actor.user,
      ipAddress: actor.ip,
      info: formatInfo(info),
      fileId: fileId ?? null,
    },
  });
}

/** `key: value, key: value` like the Flask server's info column; undefined values dropped. */
export function formatInfo(info: AuditEntry['info']): string {
  if (info === undefined) return '';
  if (typeof info === 'string') return info;
  return Object.entries(info)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${value}`)
    .join(', ');
}
