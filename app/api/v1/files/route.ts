import { apiHandler } from '@/lib/api/handler';
import {
  listFiles,
  listFilesQuerySchema,
  receiveMultipartUpload,
  requestBodyToReadable,
  searchParamsToObject,
  serializeFile,
  uploadHeadersOf,
  uploadQuerySchema,
} from '@/lib/files';

export const dynamic = 'force-dynamic';

export const GET = apiHandler(async ({ request }) => {
  const query = listFilesQuerySchema.parse(searchParamsToObject(new URL(request.url).searchParams));
  const { items, nextCursor } = await listFiles(query);
  return { items: items.map(serializeFile), nextCursor };
});

export const POST = apiHandler(async ({ request, caller }) => {
  const { visibility, replace } = uploadQuerySchema.parse(searchParamsToObject(new URL(request.url).searchParams));
  const records = await receiveMultipartUpload({
    headers: uploadHeadersOf(request),
    body: requestBodyToReadable(request),
    visibility,
    replace,
    actor: caller.actor,
  });
  const files = records.map(serializeFile);
  // One file: the file object, as PRODUCT.md says; several `file` parts: all of them.
  return Response.json(files.length === 1 ? files[0] : { items: files }, { status: 201 });
});
