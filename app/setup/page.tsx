import type { Metadata } from 'next';
import { isSetupTokenValid } from '@/lib/auth/first-admin';
import { SetupForm } from './setup-form';

export const metadata: Metadata = { title: 'Set up' };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const { token } = await searchParams;
  const valid = await isSetupTokenValid(token);
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md">
        <h1 className="mb-2 text-center text-2xl font-semibold">Create the first admin</h1>
        {valid && typeof token === 'string' ? (
          <>
            <p className="mb-6 text-center text-sm text-slate-500">
              This link works once and for one hour. Choose a name and a strong password (12 characters or more).
            </p>
            <SetupForm token={token} />
          </>
        ) : (
          <p className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="alert">
            This setup link is not valid: it expired, was already used, or an admin exists. Restart the server to print
            a new link, or create an admin with <code>npm run cli -- user add &lt;name&gt;</code>.
          </p>
        )}
      </div>
    </main>
  );
}
