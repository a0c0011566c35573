'use server';

import { revalidatePath } from 'next/cache';
import { requireAdminAction } from '@/lib/auth/current-admin';
import { toAppError } from '@/lib/errors';
import { retireAllKeys, rotateKeys } from '@/lib/keys';

export type KeyActionResult = { ok: true; value: { kid: string } } | { ok: false; message: string };

/** A new signing key; links made before keep working until they expire. */
export async function rotateKeysAction(): Promise<KeyActionResult> {
  try {
    const admin = await requireAdminAction();
    const rotated = await rotateKeys({ actor: admin.actor });
    if (!rotated) throw new Error('an on-demand rotation did not make a key');
    revalidate();
    return { ok: true, value: { kid: rotated.kid } };
  } catch (error) {
    return failure(error);
  }
}

/** The emergency stop: a new key, and every link made before is refused at once. */
export async function retireAllKeysAction(): Promise<KeyActionResult> {
  try {
    const admin = await requireAdminAction();
    const { kid } = await retireAllKeys({ actor: admin.actor });
    revalidate();
    return { ok: true, value: { kid } };
  } catch (error) {
    return failure(error);
  }
}

function revalidate() {
  revalidatePath('/admin/keys');
  // The links page marks links whose key stopped verifying.
  revalidatePath('/admin/links');
}

function failure(error: unknown): { ok: false; message: string } {
  const appError = toAppError(error);
  if (appError.code === 'internal') console.error('[keys-actions]', error);
  return { ok: false, message: appError.message };
}
