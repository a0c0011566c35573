import 'server-only';
import { type Actor, recordAudit } from '../audit';
import { checkPasswordStrength } from '../auth/password-policy';
import { hashPassword } from '../auth/password';
import { db } from '../db';
import { AppError } from '../errors';
import { getUserOrThrow } from './find-user';
import { parseInput } from './parse-input';
import { changePasswordSchema } from './schemas';

export async function changePassword(input: { username: string; password: string; actor: Actor }): Promise<void> {
  const { username, password } = parseInput(changePasswordSchema, input);
  const user = await getUserOrThrow(username);
  const weakness = checkPasswordStrength(password, username);
  if (weakness) throw new AppError('validation_failed', weakness);
  const passwordHash = await hashPassword(password);
  // A new password ends every session of the user (lib/auth/session.ts).
  await db().user.update({ where: { id: user.id }, data: { passwordHash, sessionVersion: { increment: 1 } } });
  await recordAudit({ action: 'user_passwd', actor: input.actor, info: { username } });
}
