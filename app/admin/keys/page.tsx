import type { Metadata } from 'next';
import { requireAdminPage } from '@/lib/auth/current-admin';
import { env } from '@/lib/env';
import { listKeys, type KeyInfo } from '@/lib/keys';
import { CopyButton } from '../_components/copy-button';
import { LocalTime } from '../_components/local-time';
import { describeSeconds } from '../_components/share/link-lifetime';
import { formatTimeLeft } from '../_components/share/time-left';
import { RevokeAllLinksButton } from './revoke-all-links-button';
import { RotateKeysButton } from './rotate-keys-button';

export const metadata: Metadata = { title: 'Signing keys' };

export default async function KeysPage() {
  await requireAdminPage();
  const config = env();
  const now = new Date();
  const ring = await listKeys(now);
  const active = ring.keys.find((key) => key.active) ?? null;
  const verifying = ring.keys.filter((key) => !key.active && key.verifying);
  const retired = ring.keys.filter((key) => !key.active && !key.verifying);
  // "every day", "every 6 hours"
  const interval = describeSeconds(Math.round(ring.rotationIntervalMs / 1000)).replace(/^1 /, '');
  const overlap = `${describeSeconds(Math.round(config.linkMaxTtlMs / 1000))} (LINK_MAX_TTL)`;
  const skew = describeSeconds(Math.round(config.clockSkewMs / 1000));
  const jwksUrl = `${config.publicUrl}/.well-known/jwks.json`;

  return (
    <section className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold">Signing keys</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Share links are signed with the active key. A new key replaces it every {interval}. A replaced key keeps
          verifying the links it signed for {overlap}, the longest a link may live, plus {skew} of clock-skew leeway, so
          no link breaks because of a rotation. Key material is stored encrypted and never shown.
        </p>
      </div>

      <div className="rounded-xl border border-slate-200 bg-white" data-testid="active-key">
        <div className="border-b border-slate-200 px-5 py-3">
          <h2 className="font-semibold">Active key</h2>
        </div>
        {active ? (
          <dl className="grid gap-4 px-5 py-4 text-sm sm:grid-cols-4">
            <Field label="Key id (kid)">
              <code className="font-mono" data-testid="active-kid">
                {active.kid}
              </code>
            </Field>
            <Field label="Algorithm">{active.algorithm}</Field>
            <Field label="Created">
              <LocalTime iso={active.createdAt.toISOString()} />
              <span className="block text-xs text-slate-500">
                {active.scheduled ? 'by the schedule' : 'on demand or at first start'}
              </span>
            </Field>
            <Field label="Next automatic rotation">
              <LocalTime iso={ring.nextRotationAt?.toISOString()} fallback="—" />
              <span className="block text-xs text-slate-500">every {interval} (KEY_ROTATION_INTERVAL)</span>
            </Field>
          </dl>
        ) : (
          <p className="px-5 py-4 text-sm text-slate-600">
            No key yet. The server makes one when it starts or with the first link.
          </p>
        )}
        <div className="space-y-3 border-t border-slate-100 bg-slate-50/60 px-5 py-4">
          <p className="max-w-3xl text-sm text-slate-600">
            <strong className="font-medium text-slate-800">Rotate now</strong> makes a new signing key at once, for
            example after a staff change. Links made before keep working until they expire: the current key keeps
            verifying them for {overlap}. The automatic schedule stays as it is.
          </p>
          <RotateKeysButton />
        </div>
      </div>

      <KeyTable
        title="Still verifying"
        empty="No older key is still verifying: every live link was signed with the active key."
        keys={verifying}
        now={now}
        testId="verifying-keys"
        note="Retired keys that still accept the links they signed, until the time shown."
      />
      {retired.length > 0 && (
        <KeyTable
          title="Retired"
          empty=""
          keys={retired}
          now={now}
          testId="retired-keys"
          note="These keys no longer verify anything; links they signed are refused. They are deleted at the next rotation."
        />
      )}

      <div className="rounded-xl border border-slate-200 bg-white px-5 py-4">
        <h2 className="font-semibold">Public keys (JWKS)</h2>
        {ring.algorithm === 'EdDSA' ? (
          <div className="mt-1 space-y-2 text-sm text-slate-600">
            <p>
              The public keys of every key still verifying are published, so another process or a third party can check
              a link without any private key:
            </p>
            <div className="flex items-center gap-2">
              <a
                href="/.well-known/jwks.json"
                className="font-mono text-indigo-700 hover:underline"
                data-testid="jwks-url"
              >
                {jwksUrl}
              </a>
              <CopyButton value={jwksUrl} size="sm" ariaLabel="Copy the JWKS address" />
            </div>
          </div>
        ) : (
          <p className="mt-1 max-w-3xl text-sm text-slate-600">
            Links are signed with HS256, a shared secret, so there is nothing public to publish. With{' '}
            <code className="rounded bg-slate-100 px-1 whitespace-nowrap">LINK_SIGNING_ALG=EdDSA</code> the server signs
            with Ed25519 and publishes the public keys at{' '}
            <code className="rounded bg-slate-100 px-1 whitespace-nowrap">/.well-known/jwks.json</code>.
          </p>
        )}
      </div>

      <div className="rounded-xl border border-red-200 bg-white" data-testid="danger-zone">
        <div className="border-b border-red-200 bg-red-50/60 px-5 py-3">
          <h2 className="font-semibold text-red-800">Danger zone</h2>
        </div>
        <div className="space-y-3 px-5 py-4">
          <p className="max-w-3xl text-sm text-slate-600">
            <strong className="font-medium text-slate-800">Revoke all links</strong> is the emergency stop for when a
            link or a key may have leaked: every link made until now stops working within seconds, including untracked
            links, which cannot be revoked one by one. Links made afterwards work.
          </p>
          <RevokeAllLinksButton />
        </div>
      </div>
    </section>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</dt>
      <dd className="mt-0.5 text-slate-900">{children}</dd>
    </div>
  );
}

type KeyTableProps = { title: string; note: string; empty: string; keys: KeyInfo[]; now: Date; testId: string };

function KeyTable({ title, note, empty, keys, now, testId }: KeyTableProps) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white" data-testid={testId}>
      <div className="border-b border-slate-200 px-5 py-3">
        <h2 className="font-semibold">{title}</h2>
        <p className="text-sm text-slate-600">{note}</p>
      </div>
      {keys.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-500">{empty}</p>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-xs tracking-wide text-slate-500 uppercase">
            <tr>
              <th className="px-5 py-2">Key id</th>
              <th className="px-5 py-2">Algorithm</th>
              <th className="px-5 py-2">Created</th>
              <th className="px-5 py-2">Retired</th>
              <th className="px-5 py-2">{keys[0].verifying ? 'Verifies until' : 'Stopped verifying'}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {keys.map((key) => (
              <tr key={key.kid} data-testid="key-row">
                <td className="px-5 py-2 font-mono">{key.kid}</td>
                <td className="px-5 py-2">{key.algorithm}</td>
                <td className="px-5 py-2">
                  <LocalTime iso={key.createdAt.toISOString()} />
                </td>
                <td className="px-5 py-2">
                  <LocalTime iso={key.retiredAt?.toISOString()} />
                </td>
                <td className="px-5 py-2">
                  <LocalTime iso={key.verifyUntil?.toISOString()} />
                  {key.verifying && key.verifyUntil && (
                    <span className="block text-xs text-slate-500">
                      {formatTimeLeft(key.verifyUntil.getTime() - now.getTime())} left
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
