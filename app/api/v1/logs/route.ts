import { apiHandler } from '@/lib/api/handler';
import { queryLogs, serializeLogEntry } from '@/lib/audit/query-logs';
import { logQuerySchema } from '@/lib/audit/schemas';
import { searchParamsToObject } from '@/lib/files/schemas';

export const dynamic = 'force-dynamic';

/** The audit log, newest first: `?action=&user=&ip=&fileId=&since=&until=&limit=&cursor=`. */
export const GET = apiHandler(async ({ request }) => {
  const query = logQuerySchema.parse(searchParamsToObject(new URL(request.url).searchParams));
  const { items, nextCursor } = await queryLogs(query);
  return { items: items.map(serializeLogEntry), nextCursor };
});
