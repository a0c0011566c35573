import { apiHandler } from '@/lib/api/handler';
import { revokeLink } from '@/lib/links';

export const dynamic = 'force-dynamic';

export const DELETE = apiHandler<{ id: string }>(async ({ params, caller }) => {
  await revokeLink({ id: params.id, actor: caller.actor });
  return new Response(null, { status: 204 });
});
