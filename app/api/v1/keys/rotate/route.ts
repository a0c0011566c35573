import { apiHandler } from '@/lib/api/handler';
import { listKeys, rotateKeys } from '@/lib/keys';

export const dynamic = 'force-dynamic';

export const POST = apiHandler(async ({ caller }) => {
  await rotateKeys({ actor: caller.actor });
  return listKeys();
});
