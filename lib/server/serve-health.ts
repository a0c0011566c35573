// GET /api/health on the front server (lib/health.ts): no Next involved, so it also answers in
// --downloads-only mode and says what this process's record queues hold.
import type http from 'node:http';
import { checkHealth, healthAnswer } from '../health';

export async function serveHealth(req: http.IncomingMessage, res: http.ServerResponse) {
  let answer: { status: number; body: string };
  try {
    answer = healthAnswer(await checkHealth());
  } catch (error) {
    console.error('[health]', error);
    answer = { status: 503, body: '{"status":"unavailable","problems":["the health check failed"]}' };
  }
  res.writeHead(answer.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(answer.body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}
