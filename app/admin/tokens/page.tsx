import type { Metadata } from 'next';
import { listApiTokens } from '@/lib/auth/api-tokens';
import { requireAdminPage } from '@/lib/auth/current-admin';
import { LocalTime } from '../_components/local-time';
import { CreateTokenForm } from './create-token-form';
import { RevokeTokenButton } from './revoke-token-button';

export const metadata: Metadata = { title: 'API tokens' };

const STATUS_LABEL = { active: 'Active', expired: 'Expired', revoked: 'Revoked' } as const;

export default async function TokensPage() {
  await requireAdminPage();
  const tokens = await listApiTokens();
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">API tokens</h1>
        <p className="mt-1 max-w-2xl text-sm text-slate-600">
          Other applications use a token to store files and make share links over the HTTP API (
          <code className="rounded bg-slate-100 px-1">Authorization: Bearer &lt;token&gt;</code>). A token acts with the
          rights of the admin who made it. It is shown once; only its hash is stored.
        </p>
      </div>
      <CreateTokenForm />
      <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
        {tokens.length === 0 ? (
          <p className="px-4 py-8 text-center text-sm text-slate-500">No API tokens yet. Create one above.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs tracking-wide text-slate-500 uppercase">
              <tr>
                <th className="px-4 py-2">Name</th>
                <th className="px-4 py-2">Owner</th>
                <th className="px-4 py-2">Created</th>
                <th className="px-4 py-2">Last used</th>
                <th className="px-4 py-2">Expires</th>
                <th className="px-4 py-2">Status</th>
                <th className="px-4 py-2" />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tokens.map((token) => {
                const status = STATUS_LABEL[token.status];
                return (
                  <tr key={token.id} data-testid="token-row">
                    <td className="px-4 py-2 font-medium">{token.name}</td>
                    <td className="px-4 py-2">{token.username}</td>
                    <td className="px-4 py-2">
                      <LocalTime iso={token.createdAt.toISOString()} />
                    </td>
                    <td className="px-4 py-2">
                      <LocalTime iso={token.lastUsedAt?.toISOString()} fallback="never" />
                    </td>
                    <td className="px-4 py-2">
                      <LocalTime iso={token.expiresAt?.toISOString()} fallback="never" />
                    </td>
                    <td className="px-4 py-2">
                      <span
                        className={`rounded-full px-2 py-0.5 text-xs font-medium ${status === 'Active' ? 'bg-emerald-50 text-emerald-700' : 'bg-slate-100 text-slate-600'}`}
                      >
                        {status}
                      </span>
                    </td>
                    <td className="px-4 py-2 text-right">
                      {status === 'Active' && <RevokeTokenButton id={token.id} name={token.name} />}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
