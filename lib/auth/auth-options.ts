// next-auth configuration: credentials checked against bcrypt hashes, JWT sessions with a
// bounded lifetime, signed with the newest AUTH_SECRET and accepted with any configured one.
// next-auth's own reads of the cookie (its session endpoint, which also refreshes the token)
// go through the same check as every other request (sessionFromToken), so an ended session
// is never refreshed. The sign-in limits run in the route (app/api/auth/[...nextauth]).
import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { env } from '../env';
import { clientIpFromHeaders } from '../http/request-ip';
import { safeRedirectTarget } from './redirect-target';
import { signInWithPassword } from './sign-in';
import { decodeSessionToken, encodeSessionToken, newSessionId, sessionFromToken } from './session';

export function authOptions(): NextAuthOptions {
  const config = env();
  const maxAge = Math.floor(config.sessionMaxAgeMs / 1000);
  return {
    secret: config.authSecrets[0],
    session: { strategy: 'jwt', maxAge },
    jwt: {
      maxAge,
      encode: ({ token, maxAge: age }) => encodeSessionToken({ token, maxAge: age }),
      decode: async ({ token }) => {
        const payload = await decodeSessionToken(token);
        return sessionFromToken(payload) ? payload : null;
      },
    },
    pages: { signIn: '/signin', error: '/signin' },
    providers: [
      CredentialsProvider({
        name: 'Password',
        credentials: {
          username: { label: 'Username', type: 'text' },
          password: { label: 'Password', type: 'password' },
        },
        async authorize(credentials, req) {
          const headers = new Headers(req.headers as Record<string, string>);
          const user = await signInWithPassword({
            username: credentials?.username ?? '',
            password: credentials?.password ?? '',
            ip: clientIpFromHeaders(headers),
          });
          return user ? { id: user.id, name: user.username, sessionVersion: user.sessionVersion } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          // Set once at sign-in; next-auth keeps them through every refresh (unlike jti).
          token.sub = user.id;
          token.name = user.name;
          token.sid = newSessionId();
          token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
        }
        return token;
      },
      redirect({ url, baseUrl }) {
        return safeRedirectTarget(url, baseUrl, { absolute: true });
      },
    },
    logger: {
      // next-auth logs a CredentialsSignin "error" for every wrong password; that is an
      // expected outcome (audited as login_failed), not a server error.
      error(code, metadata) {
        if (code === 'CredentialsSignin' || String(code).includes('CREDENTIALS')) return;
        // An ended, expired or foreign session cookie at the session endpoint: expected too.
        const message = (metadata as { message?: unknown } | undefined)?.message;
        if (code === 'JWT_SESSION_ERROR' && message === 'JWT invalid') return;
        console.error('[auth]', code, typeof message === 'string' ? message : '');
      },
      warn() {},
      debug() {},
    },
  };
}
