'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { createApiToken, parseTokenExpiry, revokeApiToken, tokenNameSchema } from '@/lib/auth/api-tokens';
import { consumeTokenCreation } from '@/lib/api/api-limits';
import { requireAdminAction } from '@/lib/auth/current-admin';
import { toAppError } from '@/lib/errors';

export type ActionResult<T = undefined> = { ok: true; value: T } | { ok: false; message: string };

const createSchema = z.object({ name: tokenNameSchema, expires: z.string() });

export async function createTokenAction(input: { name: string; expires: string }): Promise<ActionResult<string>> {
  try {
    const admin = await requireAdminAction();
    const { name, expires } = createSchema.parse(input);
    await consumeTokenCreation(admin.userId);
    const { token } = await createApiToken({
      name,
      userId: admin.userId,
      expiresInMs: parseTokenExpiry(expires),
      actor: admin.actor,
    });
    revalidatePath('/admin/tokens');
    return { ok: true, value: token };
  } catch (error) {
    return { ok: false, message: toAppError(error).message };
  }
}

export async function revokeTokenAction(id: string): Promise<ActionResult> {
  try {
    const admin = await requireAdminAction();
    await revokeApiToken({ id: z.string().min(1).parse(id), actor: admin.actor });
    revalidatePath('/admin/tokens');
    return { ok: true, value: undefined };
  } catch (error) {
    return { ok: false, message: toAppError(error).message };
  }
}
