import { apiHandler } from '@/lib/api/handler';
import { searchParamsToObject } from '@/lib/files';
import { listLinks, listLinksQuerySchema } from '@/lib/links';

export const dynamic = 'force-dynamic';

export const GET = apiHandler(async ({ request }) => {
  const query = listLinksQuerySchema.parse(searchParamsToObject(new URL(request.url).searchParams));
  const { items, nextCursor } = await listLinks(query);
  return { items, nextCursor };
});
