// The audit log: one function every feature calls. Times are UTC (stored as epoch ms, like
// the Flask server's `logs.timestamp`). Never pass tokens, passwords or key material in info.
import 'server-only';
import { db } from '../db';
import type { AuditAction } from './actions';

export { ANONYMIZED, AUDIT_ACTIONS, type AuditAction } from './actions';

/** Who did it: a username, `<owner> (token: <name>)`, `cli`, `system` or `anonymous`; null when unknown (a failed sign-in). */
export type Actor = { user: string | null; ip: string | null };

export const CLI_ACTOR: Actor = { user: 'cli', ip: 'terminal' };

/** The server acting on its own (scheduled anonymization, key rotation). */
export const SYSTEM_ACTOR: Actor = { user: 'system', ip: null };

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
