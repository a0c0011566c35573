import { apiHandler } from '@/lib/api/handler';
import { listKeys } from '@/lib/keys';

export const dynamic = 'force-dynamic';

// Key ring status only: kid, algorithm, dates. Never key material.
export const GET = apiHandler(async () => listKeys());
