import 'server-only';
import { type Actor, recordAudit } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';

/**
 * Deletes a user and their API tokens; their files and links stay (uploader set to none).
 * Refuses to delete the last user, which would leave nobody able to sign in.
 */
export async function deleteUser({ username, actor }: { username: string; actor: Actor }): Promise<void> {
  const removedTokens = await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { username }, select: { id: true } });
    if (!user) throw new AppError('not_found', `User "${username}" does not exist.`);
    // Counted inside the transaction so two deletions at once cannot remove the last two.
    if ((await tx.user.count()) <= 1) {
      throw new AppError(
        'conflict',
        `User "${username}" is the only user and cannot be deleted: nobody could sign in any more. Add another user first.`,
      );
    }
    const tokens = await tx.apiToken.count({ where: { userId: user.id } });
    await tx.user.delete({ where: { id: user.id } });
    return tokens;
  });
  await recordAudit({ action: 'user_delete', actor, info: { username, tokens_removed: removedTokens } });
}
