import { apiHandler } from '@/lib/api/handler';
import { deleteFile, fileIdSchema, requireFile, serializeFile, setVisibility, updateFileBodySchema } from '@/lib/files';
import { AppError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

type Params = { id: string };

export const GET = apiHandler<Params>(async ({ params }) =>
  serializeFile(await requireFile(fileIdSchema.parse(params.id))),
);

export const PATCH = apiHandler<Params>(async ({ request, params, caller }) => {
  const body: unknown = await request.json().catch(() => {
    throw new AppError('bad_request', 'Send a JSON object like {"visibility":"public"}.');
  });
  const { visibility } = updateFileBodySchema.parse(body);
  return serializeFile(await setVisibility(fileIdSchema.parse(params.id), visibility, caller.actor));
});

export const DELETE = apiHandler<Params>(async ({ params, caller }) => {
  await deleteFile(fileIdSchema.parse(params.id), caller.actor);
  return new Response(null, { status: 204 });
});
