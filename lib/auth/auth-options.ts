// next-auth configuration: credentials checked against bcrypt hashes, JWT sessions with a
// bounded lifetime, signed with the newest AUTH_SECRET and accepted with any configured one.
import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { env } from '../env';
import { clientIpFromHeaders } from '../http/request-ip';
import { signInWithPassword } from './sign-in';
import { decodeSessionToken, encodeSessionToken } from './session';

export function authOptions(): NextAuthOptions {
  const config = env();
  const maxAge = Math.floor(config.sessionMaxAgeMs / 1000);
  return {
    secret: config.authSecrets[0],
    session: { strategy: 'jwt', maxAge },
    jwt: {
      maxAge,
      encode: ({ token, maxAge: age }) => encodeSessionToken({ token, maxAge: age }),
      decode: ({ token }) => decodeSessionToken(token),
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
          return user ? { id: user.id, name: user.username } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.name = user.name;
        }
        return token;
      },
    },
    logger: {
      // next-auth logs a CredentialsSignin "error" for every wrong password; that is an
      // expected outcome (audited as login_failed), not a server error.
      error(code, metadata) {
        if (code === 'CredentialsSignin' || String(code).includes('CREDENTIALS')) return;
        console.error('[auth]', code, metadata instanceof Error ? metadata.message : '');
      },
      warn() {},
      debug() {},
    },
  };
}
