// The log viewer's "Export CSV": every entry matching the viewer's filters (not just the page
// on screen), newest first, streamed. Admin session only.
import { logCsvFileName, streamLogCsv } from '@/lib/audit/log-csv';
import { logFiltersSchema } from '@/lib/audit/schemas';
import { apiErrorResponse } from '@/lib/api/handler';
import { readSession } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';
import { searchParamsToObject } from '@/lib/files/schemas';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  try {
    const session = await readSession(request.headers.get('cookie'));
    if (!session) throw new AppError('unauthorized', 'Sign in to export the audit log.');
    const filters = logFiltersSchema.parse(searchParamsToObject(new URL(request.url).searchParams));
    return new Response(streamLogCsv(filters), {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${logCsvFileName()}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch (error) {
    return apiErrorResponse(error);
  }
}
