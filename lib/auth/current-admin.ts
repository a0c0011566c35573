// The session check for pages and server actions (Next-specific: reads the request cookies).
// middleware.ts only looks for a cookie; this is the real check, done by every page and action.
import 'server-only';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { Actor } from '../audit';
import { AppError } from '../errors';
import { clientIpFromHeaders } from '../http/request-ip';
import { readSession, type Session } from './session';

export type Admin = Session & { actor: Actor };

async function currentAdmin(): Promise<Admin | null> {
  const session = await readSession((await cookies()).toString());
  if (!session) return null;
  return { ...session, actor: { user: session.username, ip: clientIpFromHeaders(await headers()) } };
}

/** For pages: the admin, or a redirect to the sign-in page. */
export async function requireAdminPage(): Promise<Admin> {
  const admin = await currentAdmin();
  if (!admin) redirect('/signin');
  return admin;
}

/** For server actions: the admin, or an AppError the action turns into a message. */
export async function requireAdminAction(): Promise<Admin> {
  const admin = await currentAdmin();
  if (!admin) throw new AppError('unauthorized', 'Your session ended. Sign in again.');
  return admin;
}
