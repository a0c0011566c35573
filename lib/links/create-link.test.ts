import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { newFileGeneration } from '../files/file-generation';
import { resetKeyCacheForTests } from '../keys/ring-state';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { createLink } from './create-link';
import { listLinks } from './list-links';
import { revokeLink } from './revoke-link';
import { createLinkBodySchema } from './schemas';
import { addFile, refusal } from './test-helpers';

describe('link URLs stay short enough to paste', () => {
  // A typical public origin; the URL is PUBLIC_URL + "/" + id + "?t=" + token.
  const PUBLIC_URL = 'https://files.example.com';
  for (const alg of ['HS256', 'EdDSA'] as const) {
    it(`${alg}: measured for an 8-character id`, async () => {
      const temp = await createTempEnv({ LINK_SIGNING_ALG: alg, PUBLIC_URL });
      try {
        resetKeyCacheForTests();
        await addFile('Ab3_x-9Z');
        // An upload made today: its links carry the file's generation (claim `g`).
        await db().file.update({ where: { id: 'Ab3_x-9Z' }, data: { generation: newFileGeneration() } });
        const tracked = await createLink({
          fileId: 'Ab3_x-9Z',
          ttlMs: 7 * 86_400_000,
          maxDownloads: 1,
          actor: CLI_ACTOR,
        });
        const untracked = await createLink({ fileId: 'Ab3_x-9Z', tracked: false, actor: CLI_ACTOR });
        expect(tracked.url.startsWith(`${PUBLIC_URL}/Ab3_x-9Z?t=`)).toBe(true);
        console.log(`${alg} link lengths: tracked ${tracked.url.length}, untracked ${untracked.url.length}`);
        if (alg === 'HS256') {
          // The default algorithm: every link under 250 characters.
          expect(tracked.url.length).toBeLessThan(250);
          expect(untracked.url.length).toBeLessThan(250);
        } else {
          // An Ed25519 signature alone is 86 characters, so EdDSA links do not fit in 250 once
          // they carry the file generation (untracked about 257, tracked about 290). Measured,
          // and kept bounded.
          expect(untracked.url.length).toBeLessThan(260);
          expect(tracked.url.length).toBeLessThan(295);
        }
      } finally {
        await temp.cleanup();
      }
    });
  }
});

describe('creating, listing and revoking links', () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv({ LINK_MAX_TTL: '7d', LINK_DEFAULT_TTL: '1d', PUBLIC_URL: 'https://files.example.com' });
    resetKeyCacheForTests();
    await addFile('aaaaaaaa', 'report.pdf');
    await addFile('C7+mw7wj', 'old flask file.txt');
  });
  afterAll(() => temp.cleanup());

  it('defaults to a tracked link living LINK_DEFAULT_TTL, with a row and an audit entry without the token', async () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const link = await createLink({ fileId: 'aaaaaaaa', actor: { user: 'alice', ip: '10.0.0.1' }, now });
    expect(link).toMatchObject({ tracked: true, maxDownloads: null, expiresAt: new Date('2026-01-03T03:04:05.000Z') });
    expect(link.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const row = await db().link.findUniqueOrThrow({ where: { id: link.id as string } });
    expect(row).toMatchObject({ fileId: 'aaaaaaaa', downloads: 0, maxDownloads: null, expiresAt: link.expiresAt });
    const entry = await db().log.findFirstOrThrow({ where: { action: 'link_create' }, orderBy: { id: 'desc' } });
    expect(entry).toMatchObject({ user: 'alice', ipAddress: '10.0.0.1', fileId: 'aaaaaaaa' });
    expect(entry.info).toBe(
      `link_id: ${link.id}, file_id: aaaaaaaa, expires: 2026-01-03T03:04:05.000Z, max_downloads: unlimited`,
    );
    expect(entry.info).not.toContain(link.token);
  });

  it('encodes ids imported from Flask (with + and /) in the URL path', async () => {
    const link = await createLink({ fileId: 'C7+mw7wj', actor: CLI_ACTOR });
    expect(link.url.startsWith('https://files.example.com/C7%2Bmw7wj?t=')).toBe(true);
  });

  it('refuses a TTL over LINK_MAX_TTL with a sentence that names the limit', async () => {
    const answer = await refusal(createLink({ fileId: 'aaaaaaaa', ttlMs: 8 * 86_400_000, actor: CLI_ACTOR }));
    expect(answer).toMatchObject({ code: 'validation_failed', status: 422 });
    expect(answer.message).toBe('A link can live at most 7d (LINK_MAX_TTL); 8d was asked.');
    await expect(createLink({ fileId: 'aaaaaaaa', ttlMs: 7 * 86_400_000, actor: CLI_ACTOR })).resolves.toBeTruthy();
    expect(await refusal(createLink({ fileId: 'aaaaaaaa', ttlMs: 0, actor: CLI_ACTOR }))).toMatchObject({
      code: 'validation_failed',
    });
  });

  it('refuses one-time or limited links that would be untracked, bad limits, and unknown files', async () => {
    expect(
      await refusal(createLink({ fileId: 'aaaaaaaa', tracked: false, maxDownloads: 1, actor: CLI_ACTOR })),
    ).toMatchObject({
      code: 'validation_failed',
      message: 'One-time and limited links must be tracked.',
    });
    expect(await refusal(createLink({ fileId: 'aaaaaaaa', maxDownloads: 0, actor: CLI_ACTOR }))).toMatchObject({
      code: 'validation_failed',
    });
    expect(await refusal(createLink({ fileId: 'aaaaaaaa', maxDownloads: 1.5, actor: CLI_ACTOR }))).toMatchObject({
      code: 'validation_failed',
    });
    expect(await refusal(createLink({ fileId: 'nosuchid', actor: CLI_ACTOR }))).toMatchObject({
      code: 'not_found',
      status: 404,
    });
  });

  it('lists tracked links newest first with file name, time left, uses and status, page by page', async () => {
    await db().link.deleteMany();
    const base = Date.parse('2026-03-01T00:00:00Z');
    const made: Awaited<ReturnType<typeof createLink>>[] = [];
    for (let i = 0; i < 5; i += 1) {
      made.push(
        await createLink({
          fileId: 'aaaaaaaa',
          ttlMs: 3_600_000,
          maxDownloads: i === 0 ? 1 : null,
          actor: CLI_ACTOR,
          now: new Date(base + i * 1000),
        }),
      );
    }
    await createLink({ fileId: 'aaaaaaaa', tracked: false, actor: CLI_ACTOR });
    await revokeLink({ id: made[1].id as string, actor: CLI_ACTOR });
    await db().link.update({ where: { id: made[0].id as string }, data: { downloads: 1 } });

    const now = new Date(base + 30 * 60_000);
    const first = await listLinks({ limit: 3, now });
    expect(first.items.map((item) => item.id)).toEqual([made[4].id, made[3].id, made[2].id]);
    expect(first.items[0]).toMatchObject({
      fileName: 'report.pdf',
      status: 'active',
      downloads: 0,
      maxDownloads: null,
    });
    expect(first.items[0].timeLeftMs).toBe(3_600_000 + 4000 - 30 * 60_000);
    const second = await listLinks({ limit: 3, cursor: first.nextCursor, now });
    expect(second.items.map((item) => [item.id, item.status])).toEqual([
      [made[1].id, 'revoked'],
      [made[0].id, 'used'],
    ]);
    expect(second.nextCursor).toBeNull();
    const later = await listLinks({ now: new Date(base + 2 * 3_600_000) });
    expect(later.items.find((item) => item.id === made[4].id)).toMatchObject({ status: 'expired', timeLeftMs: 0 });
    expect((await listLinks({ fileId: 'C7+mw7wj' })).items).toEqual([]);
    expect(await refusal(listLinks({ cursor: 'garbage' }))).toMatchObject({ code: 'bad_request' });
  });

  it('revokes a tracked link once (audited once); an unknown id is 404', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
    const first = await revokeLink({ id: link.id as string, actor: CLI_ACTOR });
    const again = await revokeLink({ id: link.id as string, actor: CLI_ACTOR });
    expect(again.revokedAt).toEqual(first.revokedAt);
    expect(await db().log.count({ where: { action: 'link_revoke', info: { contains: link.id as string } } })).toBe(1);
    expect(await refusal(revokeLink({ id: 'nosuchlink', actor: CLI_ACTOR }))).toMatchObject({ code: 'not_found' });
  });
});

describe('createLinkBodySchema', () => {
  it('accepts the API body and refuses what createLink would refuse', () => {
    expect(createLinkBodySchema.parse({ ttlSeconds: 900, maxDownloads: 1 })).toEqual({
      ttlSeconds: 900,
      maxDownloads: 1,
    });
    expect(createLinkBodySchema.parse({ ttlSeconds: 900, maxDownloads: null })).toEqual({
      ttlSeconds: 900,
      maxDownloads: null,
    });
    expect(createLinkBodySchema.parse({})).toEqual({});
    for (const body of [
      { ttlSeconds: 0 },
      { ttlSeconds: 1.5 },
      { ttlSeconds: '900' },
      { maxDownloads: 0 },
      { maxDownloads: 1, tracked: false },
      { ttlSeconds: 60, extra: true },
    ]) {
      expect(createLinkBodySchema.safeParse(body).success).toBe(false);
    }
  });
});
