import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { safeRedirectTarget } from '@/lib/auth/redirect-target';
import { readSession } from '@/lib/auth/session';
import { env } from '@/lib/env';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string | string[]; setup?: string | string[] }>;
}) {
  const { callbackUrl, setup } = await searchParams;
  const target = safeRedirectTarget(callbackUrl, env().publicUrl);
  if (await readSession((await cookies()).toString())) redirect(target);
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 text-center">
          <div className="mx-auto mb-3 flex h-12 w-12 items-center justify-center rounded-xl bg-indigo-600 text-xl font-bold text-white">
            F
          </div>
          <h1 className="text-2xl font-semibold">Sign in to Fileserver</h1>
          <p className="mt-1 text-sm text-slate-500">Admins only. Recipients of a link don&apos;t need an account.</p>
        </div>
        {setup === 'done' && (
          <p
            className="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800"
            role="status"
          >
            The first admin was created. Sign in with the name and password you just chose.
          </p>
        )}
        <SignInForm callbackUrl={target} />
      </div>
    </main>
  );
}
