// Several server processes on one database: each test starts real Node processes (tsx) that
// share the temp DATA_DIR with this one.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';
import { createLink } from '../links/create-link';
import { addFile } from '../links/test-helpers';
import { verifyLinkToken } from '../links/verify-link-token';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { configureKeyCache, resetKeyCacheForTests } from './ring-state';
import { ensureSigningKey } from './rotate-keys';
import { rotationSlot } from './rotation-slot';
import { raceWorkers, runWorker } from './test-support/run-worker';

describe('rotation with several processes', () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv({ KEY_ROTATION_INTERVAL: '1s', LINK_MAX_TTL: '7d' });
    await addFile('aaaaaaaa');
  });
  afterAll(() => temp.cleanup());
  beforeEach(async () => {
    await db().signingKey.deleteMany();
    await db().log.deleteMany();
    resetKeyCacheForTests();
  });

  it('two processes racing through the same five slots make exactly one key per slot', async () => {
    const base = (rotationSlot(new Date()) + 10) * 1000;
    await ensureSigningKey(new Date(base - 500));
    const nowMs = [0, 1, 2, 3, 4].map((n) => base + n * 1000 + 100);
    const runs = await raceWorkers<{ kids: (string | null)[] }>([
      { op: 'rotate-if-due', nowMs },
      { op: 'rotate-if-due', nowMs },
    ]);
    const made = runs.flatMap((run) => run.kids).filter(Boolean);
    expect(made).toHaveLength(5);
    const slots = (await db().signingKey.findMany({ where: { slot: { not: null } }, orderBy: { slot: 'asc' } })).map(
      (key) => Number(key.slot),
    );
    const first = rotationSlot(new Date(base - 500));
    expect(slots).toEqual([first, first + 1, first + 2, first + 3, first + 4, first + 5]);
    expect(await db().signingKey.count({ where: { retiredAt: null } })).toBe(1);
    expect(await db().log.count({ where: { action: 'key_rotate' } })).toBe(6);
  });

  it('the built-in schedule in two processes (1 s interval) makes one key per elapsed second', async () => {
    const started = Date.now();
    await raceWorkers([
      { op: 'schedule', durationMs: 3_500, checkEveryMs: 50 },
      { op: 'schedule', durationMs: 3_500, checkEveryMs: 50 },
    ]);
    const keys = await db().signingKey.findMany({ orderBy: { createdAt: 'asc' } });
    const slots = keys.map((key) => Number(key.slot));
    // Every key is a scheduled one and no slot has two keys (also by the keys' creation times).
    // A slot may be skipped when a check runs late on a busy machine: the next check rotates.
    expect(slots.every((slot, i) => Number.isInteger(slot) && (i === 0 || slot > slots[i - 1]))).toBe(true);
    expect(new Set(keys.map((key) => rotationSlot(key.createdAt))).size).toBe(keys.length);
    // About one per second of the run (3.5 s, plus boot-time skew between the two).
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(keys.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000) + 1);
    expect(await db().log.count({ where: { action: 'key_rotate' } })).toBe(keys.length);
    expect(await db().signingKey.count({ where: { retiredAt: null } })).toBe(1);
  });
});

describe("the key cache and another process's rotation", () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv({ KEY_ROTATION_INTERVAL: '24h' });
    await addFile('aaaaaaaa');
    resetKeyCacheForTests();
  });
  afterAll(() => temp.cleanup());

  it('a link made by another process verifies here at once', async () => {
    configureKeyCache({ reloadIntervalMs: 60_000, missReloadIntervalMs: 100 });
    await ensureSigningKey();
    // Warm the cache, then let the other process rotate and sign with a key we have never seen.
    await verifyLinkToken((await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR })).token, 'aaaaaaaa');
    await db().signingKey.updateMany({ data: { retiredAt: new Date() } });
    const { token } = await runWorker<{ token: string }>({ op: 'create-link', fileId: 'aaaaaaaa', maxDownloads: 1 });
    await expect(verifyLinkToken(token, 'aaaaaaaa')).resolves.toMatchObject({ fileId: 'aaaaaaaa' });
  });

  it("another process's emergency retirement is enforced here within the reload interval", async () => {
    const reloadIntervalMs = 1_000;
    configureKeyCache({ reloadIntervalMs, missReloadIntervalMs: 100 });
    const link = await createLink({ fileId: 'aaaaaaaa', tracked: false, actor: CLI_ACTOR });
    await verifyLinkToken(link.token, 'aaaaaaaa');
    await runWorker({ op: 'retire-all' });
    const retiredBy = Date.now();
    let refusedAfter: number | null = null;
    while (Date.now() - retiredBy < 5_000) {
      try {
        await verifyLinkToken(link.token, 'aaaaaaaa');
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        refusedAfter = Date.now() - retiredBy;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(refusedAfter).not.toBeNull();
    expect(refusedAfter as number).toBeLessThanOrEqual(reloadIntervalMs + 500);
  });
});
