'use server';

import { requireAdminAction } from '@/lib/auth/current-admin';
import { toAppError } from '@/lib/errors';
import { signOutEverywhere } from '@/lib/users';

/** Ends every session of the signed-in admin, this one included, on every device. */
export async function signOutEverywhereAction(): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const admin = await requireAdminAction();
    await signOutEverywhere({ username: admin.username, actor: admin.actor });
    return { ok: true };
  } catch (error) {
    return { ok: false, message: toAppError(error).message };
  }
}
