// `npx prisma db seed`: creates the first admin from ADMIN_USERNAME / ADMIN_PASSWORD.
// Idempotent (an existing user is left alone), and there is no default password: without
// both variables it explains how to set them and fails.
import type { Actor } from '../lib/audit';
import { reportFailure } from '../lib/cli/report-failure';
import { closeDb } from '../lib/db';
import { applyPendingMigrations } from '../lib/db/migrate';
import { env } from '../lib/env';
import { addUser, findUserForSignIn } from '../lib/users';

// Recorded as the actor of user_add, like the CLI's 'cli'.
const SEED_ACTOR: Actor = { user: 'seed', ip: 'terminal' };

async function seed(): Promise<number> {
  const username = process.env.ADMIN_USERNAME?.trim();
  const password = process.env.ADMIN_PASSWORD;
  if (!username || !password) {
    const missing = [!username && 'ADMIN_USERNAME', !password && 'ADMIN_PASSWORD'].filter(Boolean).join(' and ');
    process.stderr.write(
      `error: ${missing} ${missing.includes(' and ') ? 'are' : 'is'} not set. Give the first admin's name and password, e.g.\n` +
        `  ADMIN_USERNAME=admin ADMIN_PASSWORD='<at least 12 characters>' npx prisma db seed\n` +
        `or add an admin later with: npm run cli -- user add <name>\n`,
    );
    return 1;
  }
  await applyPendingMigrations(env().databaseUrl);
  if (await findUserForSignIn(username)) {
    process.stdout.write(`admin "${username}" already exists; nothing to do\n`);
    return 0;
  }
  await addUser({ username, password, actor: SEED_ACTOR });
  process.stdout.write(`Created admin "${username}".\n`);
  return 0;
}

async function main(): Promise<number> {
  try {
    return await seed();
  } catch (error) {
    return reportFailure(error);
  } finally {
    await closeDb();
  }
}

process.exitCode = await main();
process.exit();
