import 'server-only';
import { type Actor, recordAudit } from '../audit';
import { checkPasswordStrength } from '../auth/password-policy';
import { hashPassword } from '../auth/password';
import { db } from '../db';
import { AppError } from '../errors';
import { findUsernameIgnoringCase } from './find-user';
import { parseInput } from './parse-input';
import { addUserSchema, type UserSummary } from './schemas';

export async function addUser(input: { username: string; password: string; actor: Actor }): Promise<UserSummary> {
  const { username, password } = parseInput(addUserSchema, input);
  const weakness = checkPasswordStrength(password, username);
  if (weakness) throw new AppError('validation_failed', weakness);
  // "Alice" next to "alice" would let one admin pass for another in the audit log.
  const existing = await findUsernameIgnoringCase(username);
  if (existing) throw conflict(existing);
  const passwordHash = await hashPassword(password);
  try {
    const user = await db().user.create({ data: { username, passwordHash } });
    await recordAudit({ action: 'user_add', actor: input.actor, info: { username } });
    return { id: user.id, username: user.username, createdAt: user.createdAt, apiTokens: 0 };
  } catch (error) {
    // Another process added the same name between our check and the insert.
    if ((error as { code?: string }).code === 'P2002') throw conflict(username);
    throw error;
  }
}

function conflict(username: string): AppError {
  return new AppError('conflict', `User "${username}" already exists.`);
}
