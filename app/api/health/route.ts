import { checkHealth, healthAnswer } from '@/lib/health';

export const dynamic = 'force-dynamic';

// The front server answers /api/health itself; this route serves `next dev`.
export async function GET() {
  const { status, body } = healthAnswer(await checkHealth());
  return new Response(body, {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  });
}
