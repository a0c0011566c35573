import { apiHandler } from '@/lib/api/handler';
import { AppError } from '@/lib/errors';
import { fileIdSchema } from '@/lib/files';
import { createLink, createLinkBodySchema } from '@/lib/links';

export const dynamic = 'force-dynamic';

export const POST = apiHandler<{ id: string }>(async ({ request, params, caller }) => {
  const body: unknown = await request.json().catch(() => {
    throw new AppError('bad_request', 'Send a JSON object like {"ttlSeconds":3600,"maxDownloads":1}.');
  });
  const { ttlSeconds, maxDownloads, tracked } = createLinkBodySchema.parse(body);
  const link = await createLink({
    fileId: fileIdSchema.parse(params.id),
    ttlMs: ttlSeconds === undefined ? undefined : ttlSeconds * 1000,
    maxDownloads: maxDownloads ?? null,
    tracked,
    actor: caller.actor,
    userId: caller.userId,
  });
  return Response.json(
    {
      id: link.id,
      url: link.url,
      expiresAt: link.expiresAt.toISOString(),
      maxDownloads: link.maxDownloads,
      tracked: link.tracked,
    },
    { status: 201, headers: { 'Cache-Control': 'no-store' } },
  );
});
