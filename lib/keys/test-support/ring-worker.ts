// A second (third, ...) server process for the cross-process tests: run with tsx on the same
// DATA_DIR as the test. Takes one JSON command as argv[2], prints one JSON line.
import fs from 'node:fs';
import path from 'node:path';
import { CLI_ACTOR } from '../../audit';
import { closeDb, db } from '../../db';
import { AppError } from '../../errors';
import { consumeLinkUse } from '../../links/consume-link-use';
import { createLink } from '../../links/create-link';
import { retireAllKeys, rotateIfDue } from '../rotate-keys';
import { startKeyRotationSchedule } from '../schedule-key-rotation';

type Command =
  | { op: 'rotate-if-due'; nowMs: number[]; barrier: string }
  | { op: 'consume'; jti: string; ip: string; count: number; barrier: string }
  | { op: 'schedule'; durationMs: number; checkEveryMs: number; barrier: string }
  | { op: 'retire-all' }
  | { op: 'create-link'; fileId: string; ttlMs?: number; maxDownloads?: number | null };

async function main() {
  const command = JSON.parse(process.argv[2]) as Command;
  switch (command.op) {
    case 'rotate-if-due': {
      await passBarrier(command.barrier);
      const kids: (string | null)[] = [];
      for (const nowMs of command.nowMs) kids.push((await rotateIfDue(new Date(nowMs)))?.kid ?? null);
      return { kids };
    }
    case 'consume': {
      await passBarrier(command.barrier);
      const results = await Promise.all(
        Array.from({ length: command.count }, () =>
          consumeLinkUse({ jti: command.jti, ip: command.ip }).then(
            () => 'ok',
            (error: unknown) => (error instanceof AppError ? error.code : String(error)),
          ),
        ),
      );
      return { results };
    }
    case 'schedule': {
      await passBarrier(command.barrier);
      const schedule = startKeyRotationSchedule({ checkEveryMs: command.checkEveryMs });
      await new Promise((resolve) => setTimeout(resolve, command.durationMs));
      schedule.stop();
      return { stopped: true };
    }
    case 'retire-all':
      return { kid: (await retireAllKeys({ actor: CLI_ACTOR })).kid };
    case 'create-link': {
      const link = await createLink({
        fileId: command.fileId,
        ttlMs: command.ttlMs,
        maxDownloads: command.maxDownloads,
        actor: CLI_ACTOR,
      });
      return { token: link.token, id: link.id };
    }
  }
}

/** Says "ready" and waits for the test's "go", so all workers start their race together. */
async function passBarrier(dir: string) {
  // Open the database first, so the race is about the work, not about start-up.
  await db().$queryRaw`SELECT 1`;
  fs.writeFileSync(path.join(dir, `ready-${process.pid}`), '');
  while (!fs.existsSync(path.join(dir, 'go'))) await new Promise((resolve) => setTimeout(resolve, 2));
}

main()
  .then(async (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    await closeDb();
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    await closeDb();
    process.exitCode = 1;
  });
