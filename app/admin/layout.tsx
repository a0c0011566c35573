import Link from 'next/link';
import { requireAdminPage } from '@/lib/auth/current-admin';
import { NavLink } from './_components/nav-link';
import { SignOutButton, SignOutEverywhereButton } from './_components/sign-out-button';

const NAV = [
  { href: '/admin', label: 'Files' },
  { href: '/admin/links', label: 'Links' },
  { href: '/admin/logs', label: 'Audit log' },
  { href: '/admin/keys', label: 'Keys' },
  { href: '/admin/tokens', label: 'API tokens' },
];

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const admin = await requireAdminPage();
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center gap-6 px-4 py-3">
          <Link href="/admin" className="flex items-center gap-2 font-semibold">
            <span className="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-600 text-white">F</span>
            Fileserver
          </Link>
          <nav className="flex gap-1 text-sm">
            {NAV.map((item) => (
              <NavLink key={item.href} href={item.href}>
                {item.label}
              </NavLink>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-3 text-sm text-slate-600">
            <span>
              Signed in as <strong className="text-slate-900">{admin.username}</strong>
            </span>
            <SignOutEverywhereButton />
            <SignOutButton />
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-8">{children}</main>
    </div>
  );
}
