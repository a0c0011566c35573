import type { Metadata } from 'next';
import { requireAdminPage } from '@/lib/auth/current-admin';

export const metadata: Metadata = { title: 'Files' };

export default async function FilesPage() {
  await requireAdminPage();
  return (
    <section>
      <h1 className="text-2xl font-semibold">Files</h1>
      <p className="mt-2 text-slate-600">No files yet.</p>
    </section>
  );
}
