// GET /by-name/<name>: served by the front server in production; this adapter serves `next dev`.
import { handleDownloadRequest } from '@/lib/delivery/web-adapter';

export const dynamic = 'force-dynamic';
export const GET = handleDownloadRequest;
export const HEAD = handleDownloadRequest;
