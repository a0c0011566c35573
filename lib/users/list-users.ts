import 'server-only';
import { db } from '../db';
import type { UserSummary } from './schemas';

export async function listUsers(): Promise<UserSummary[]> {
  const users = await db().user.findMany({
    orderBy: { username: 'asc' },
    select: { id: true, username: true, createdAt: true, _count: { select: { apiTokens: true } } },
  });
  return users.map(({ _count, ...user }) => ({ ...user, apiTokens: _count.apiTokens }));
}
