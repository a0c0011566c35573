import 'server-only';
import { type Actor, recordAudit } from '../audit';
import { db } from '../db';
import { getUserOrThrow } from './find-user';

/**
 * Ends every session of a user at once, on every device (the CLI's `user signout-all`, the
 * admin UI's "Sign out everywhere"): moves User.sessionVersion on, which every request compares
 * with the version its session token carries. API tokens are not sessions and stay valid.
 */
export async function signOutEverywhere({ username, actor }: { username: string; actor: Actor }): Promise<void> {
  const user = await getUserOrThrow(username);
  await db().user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } } });
  await recordAudit({ action: 'logout_all', actor, info: { username: user.username } });
}
