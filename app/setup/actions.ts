'use server';

import { headers } from 'next/headers';
import { completeSetup } from '@/lib/auth/first-admin';
import { toAppError } from '@/lib/errors';
import { clientIpFromHeaders } from '@/lib/http/request-ip';

export async function completeSetupAction(input: {
  token: string;
  username: string;
  password: string;
  confirm: string;
}): Promise<{ ok: true } | { ok: false; message: string }> {
  if (input.password !== input.confirm) return { ok: false, message: 'The two passwords differ.' };
  try {
    const ip = clientIpFromHeaders(await headers());
    // The setup token is this action's authorization: it is checked inside completeSetup.
    await completeSetup({
      token: input.token,
      username: input.username,
      password: input.password,
      actor: { user: 'setup', ip },
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, message: toAppError(error).message };
  }
}
