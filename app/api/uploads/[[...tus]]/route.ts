// tus resumable uploads (https://tus.io/protocols/resumable-upload): POST creates an upload,
// HEAD tells its offset, PATCH appends a chunk, DELETE cancels it, OPTIONS lists what the
// server supports. Session or API token required for every one of them.
import { handleUploadRequest } from '@/lib/uploads';

export const dynamic = 'force-dynamic';

export const POST = handleUploadRequest;
export const HEAD = handleUploadRequest;
export const PATCH = handleUploadRequest;
export const DELETE = handleUploadRequest;
export const OPTIONS = handleUploadRequest;
