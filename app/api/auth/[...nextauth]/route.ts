// next-auth's handler, with two things it cannot do itself: refusing rate-limited sign-ins
// with 429 before any password is checked, and auditing sign-out with the client's IP.
import NextAuth from 'next-auth';
import { recordAudit } from '@/lib/audit';
import { authOptions } from '@/lib/auth/auth-options';
import { readSession } from '@/lib/auth/session';
import { assertSignInAllowed } from '@/lib/auth/sign-in';
import { errorBody, isAppError } from '@/lib/errors';
import { formText } from '@/lib/http/form-text';
import { clientIpFromHeaders } from '@/lib/http/request-ip';

type Context = { params: Promise<{ nextauth: string[] }> };

function handler(request: Request, context: Context): Promise<Response> {
  return NextAuth(request as never, context as never, authOptions()) as Promise<Response>;
}

export function GET(request: Request, context: Context) {
  return handler(request, context);
}

export async function POST(request: Request, context: Context) {
  const { nextauth } = await context.params;
  const action = nextauth.join('/');
  const ip = clientIpFromHeaders(request.headers);

  if (action === 'callback/credentials') {
    const form = await request.clone().formData();
    try {
      assertSignInAllowed({ username: formText(form, 'username'), ip });
    } catch (error) {
      if (!isAppError(error)) throw error;
      const retry = String(Number(error.details?.retryAfterSeconds ?? 60));
      return Response.json(errorBody(error), { status: error.status, headers: { 'Retry-After': retry } });
    }
  }

  if (action === 'signout') {
    const session = await readSession(request.headers.get('cookie'));
    if (session) await recordAudit({ action: 'logout', actor: { user: session.username, ip } });
  }

  return handler(request, context);
}
