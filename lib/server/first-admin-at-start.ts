// At start, with no user at all: create the admin from ADMIN_USERNAME/ADMIN_PASSWORD when both
// are set, otherwise print a one-time setup URL (valid one hour). There is no default password.
import type { Env } from '../env';
import { createSetupToken, hasAnyUser } from '../auth/first-admin';
import { addUser } from '../users';
import { CLI_ACTOR } from '../audit';

export async function prepareFirstAdmin(config: Env, log: (message: string) => void): Promise<void> {
  if (await hasAnyUser()) return;
  const username = process.env.ADMIN_USERNAME;
  const password = process.env.ADMIN_PASSWORD;
  if (username && password) {
    await addUser({ username, password, actor: { ...CLI_ACTOR, user: 'setup' } });
    log(`created the first admin "${username}" from ADMIN_USERNAME/ADMIN_PASSWORD`);
    return;
  }
  const { token, expiresAt } = await createSetupToken();
  const url = `${config.publicUrl}/setup?token=${token}`;
  log('there is no admin yet. Open this link within one hour to create the first one:');
  console.log(`\n    ${url}\n`);
  log(
    `(valid until ${expiresAt.toISOString()}; restart the server for a new link, or run: npm run cli -- user add <name>)`,
  );
}
