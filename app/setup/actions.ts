'use server';

import { headers } from 'next/headers';
import { z } from 'zod';
import { completeSetup } from '@/lib/auth/first-admin';
import { toAppError } from '@/lib/errors';
import { clientIpFromHeaders } from '@/lib/http/request-ip';

const setupInput = z.object({
  token: z.string().max(256),
  username: z.string().max(1024),
  password: z.string().max(1024),
  confirm: z.string().max(1024),
});

export async function completeSetupAction(input: {
  token: string;
  username: string;
  password: string;
  confirm: string;
}): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const { token, username, password, confirm } = setupInput.parse(input);
    if (password !== confirm) return { ok: false, message: 'The two passwords differ.' };
    const ip = clientIpFromHeaders(await headers());
    // The setup token is this action's authorization: it is checked (and consumed) inside
    // completeSetup, which also limits attempts per client IP.
    await completeSetup({ token, username, password, actor: { user: 'setup', ip } });
    return { ok: true };
  } catch (error) {
    return { ok: false, message: toAppError(error).message };
  }
}
