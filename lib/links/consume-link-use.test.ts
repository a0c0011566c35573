import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';
import { raceWorkers } from '../keys/test-support/run-worker';
import { resetKeyCacheForTests } from '../keys/ring-state';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { checkLinkUsable, consumeLinkUse } from './consume-link-use';
import { createLink } from './create-link';
import { flushLinkDenials, recordLinkDenied } from './record-link-denied';
import { claimLinkUseResume, finishLinkUse, hashUseTag, newUseClaim, newUseTag } from './resume-link-download';
import { revokeLink } from './revoke-link';
import { addFile, refusal } from './test-helpers';

/** Runs `n` consumeLinkUse calls at once; the answer of each: 'ok' or the error code. */
async function consumeInParallel(jti: string, n: number, ip = '203.0.113.7'): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      consumeLinkUse({ jti, ip }).then(
        () => 'ok',
        (error: unknown) => (error instanceof AppError ? error.code : String(error)),
      ),
    ),
  );
}

const count = (answers: string[], value: string) => answers.filter((answer) => answer === value).length;

describe('consuming tracked links', () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv({ ONE_TIME_RESUME_WINDOW: '10m', CLOCK_SKEW: '30s' });
    resetKeyCacheForTests();
    await addFile('aaaaaaaa');
  });
  afterAll(() => temp.cleanup());

  it('a one-time link: of 50 parallel uses exactly one wins, 49 get 410 used', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
    const answers = await consumeInParallel(link.id as string, 50);
    expect(count(answers, 'ok')).toBe(1);
    expect(count(answers, 'link_used')).toBe(49);
    const row = await db().link.findUniqueOrThrow({ where: { id: link.id as string } });
    expect(row).toMatchObject({ downloads: 1, lastUsedIp: '203.0.113.7' });
    expect(await refusal(consumeLinkUse({ jti: link.id as string, ip: '203.0.113.7' }))).toMatchObject({
      code: 'link_used',
      status: 410,
      reason: 'used',
      message: 'This one-time link was already used.',
    });
  });

  it('a limit of 3: exactly 3 of 20 parallel uses win', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 3, actor: CLI_ACTOR });
    const answers = await consumeInParallel(link.id as string, 20);
    expect(count(answers, 'ok')).toBe(3);
    expect(count(answers, 'link_used')).toBe(17);
    expect((await db().link.findUniqueOrThrow({ where: { id: link.id as string } })).downloads).toBe(3);
  });

  it('an unlimited tracked link counts every use and never refuses one within its TTL', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
    expect(count(await consumeInParallel(link.id as string, 25), 'ok')).toBe(25);
    expect((await db().link.findUniqueOrThrow({ where: { id: link.id as string } })).downloads).toBe(25);
  });

  it('a revoked link answers 410 revoked, also to checkLinkUsable (HEAD, landing page)', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 5, actor: CLI_ACTOR });
    await revokeLink({ id: link.id as string, actor: CLI_ACTOR });
    expect(await refusal(consumeLinkUse({ jti: link.id as string, ip: '1.2.3.4' }))).toMatchObject({
      code: 'link_revoked',
      status: 410,
      message: 'This link was revoked.',
    });
    expect(await refusal(checkLinkUsable({ jti: link.id as string }))).toMatchObject({ code: 'link_revoked' });
  });

  it('an expired row answers 410 expired (after the clock-skew leeway), an unknown jti 403', async () => {
    const now = new Date('2026-05-05T10:00:00Z');
    const link = await createLink({ fileId: 'aaaaaaaa', ttlMs: 60_000, maxDownloads: 2, actor: CLI_ACTOR, now });
    // Within the 30 s leeway the use still counts, like the token check.
    await consumeLinkUse({ jti: link.id as string, ip: '1.2.3.4', now: new Date(now.getTime() + 60_000 + 29_000) });
    expect(
      await refusal(
        consumeLinkUse({ jti: link.id as string, ip: '1.2.3.4', now: new Date(now.getTime() + 60_000 + 31_000) }),
      ),
    ).toMatchObject({
      code: 'link_expired',
      message: 'This link expired at 2026-05-05T10:01:00Z.',
    });
    expect(await refusal(consumeLinkUse({ jti: 'nosuchlinkxyz', ip: '1.2.3.4' }))).toMatchObject({
      code: 'link_invalid',
      reason: 'unknown_link',
    });
  });

  it('checkLinkUsable never counts a use', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
    for (let i = 0; i < 3; i += 1) {
      await expect(checkLinkUsable({ jti: link.id as string })).resolves.toMatchObject({
        maxDownloads: 1,
        downloads: 0,
      });
    }
    await consumeLinkUse({ jti: link.id as string, ip: '1.2.3.4' });
    expect(await refusal(checkLinkUsable({ jti: link.id as string }))).toMatchObject({ code: 'link_used' });
  });

  it('stores lastUsedAt like Prisma does (integer epoch ms), so Prisma reads it back', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
    const at = new Date('2026-06-01T12:00:00.123Z');
    await consumeLinkUse({ jti: link.id as string, ip: '1.2.3.4', now: at });
    const [raw] = await db().$queryRaw<
      { kind: string }[]
    >`SELECT typeof("lastUsedAt") AS kind FROM "Link" WHERE "id" = ${link.id}`;
    expect(raw.kind).toBe('integer');
    expect((await db().link.findUniqueOrThrow({ where: { id: link.id as string } })).lastUsedAt).toEqual(at);
  });

  describe('resuming the last counted use (attacks: replay by IP, second copy, parallel resumes)', () => {
    const size = 1_000_000;
    const VERSION = '"aaaaaaaa-f4240-18c"';
    let jti: string;
    let tag: string;
    let countedClaim: string;
    let usedAt: Date;
    beforeAll(async () => {
      const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
      jti = link.id as string;
      tag = newUseTag();
      countedClaim = newUseClaim();
      usedAt = new Date();
      await consumeLinkUse({
        jti,
        ip: '198.51.100.20',
        useTagHash: hashUseTag(tag, VERSION),
        plannedEnd: size - 1,
        useClaim: countedClaim,
        now: usedAt,
      });
    });
    const at = (ms: number) => new Date(usedAt.getTime() + ms);
    const tagHash = () => hashUseTag(tag, VERSION);
    const claim = (start: number, ms: number, secret = tag, fileVersion = VERSION) =>
      claimLinkUseResume({ jti, tag: secret, fileVersion, start, end: size - 1, size, now: at(ms) });
    const row = async () => {
      const link = await db().link.findUniqueOrThrow({ where: { id: jti } });
      return { sentTo: Number(link.useSentTo), downloads: link.downloads };
    };

    it('refuses what is no resume, without touching the use', async () => {
      expect(await claim(0, 1000)).toBeNull(); // bytes=0- is a new download
      expect(await claim(1, 1000)).toBeNull(); // the counted response plans to send it all
      expect(await claim(499_999, 1000)).toBeNull(); // 500,001 bytes again: more than the allowance
      expect(await claim(600_000, 1000, newUseTag())).toBeNull(); // another secret
      expect(await claim(600_000, 1000, VERSION)).toBeNull(); // the file's ETag is no secret
      expect(await claim(600_000, 1000, tag, '"aaaaaaaa-f4241-18d"')).toBeNull(); // replaced since
      expect(await claim(size, 1000)).toBeNull();
      expect(await row()).toEqual({ sentTo: size - 1, downloads: 1 });
    });

    it('after a cut-off download: from any offset past byte 0, within the window of the last byte', async () => {
      await finishLinkUse({ jti, tagHash: tagHash(), claim: countedClaim, highest: 99_999, now: at(2000) });
      expect(await row()).toEqual({ sentTo: 99_999, downloads: 1 });
      expect(await claim(100_000, 2000 + 10 * 60_000 + 1)).toBeNull(); // window since the last byte
      const first = await claim(1, 3000); // 99,999 bytes again: within the allowance
      expect(first).not.toBeNull();
      // The claim raised the floor to its planned end at once: a parallel resume gets nothing.
      expect(await row()).toEqual({ sentTo: size - 1, downloads: 1 });
      expect(await claim(1, 3000)).toBeNull();
      expect(await claim(100_000, 3000)).toBeNull();
      // The resume is cut off at offset 600,000: it still holds the use, so it records that.
      await finishLinkUse({ jti, tagHash: tagHash(), claim: first!, highest: 600_000, now: at(4000) });
      expect(await row()).toEqual({ sentTo: 600_000, downloads: 1 });
      // A late report of the counted response (it lost the use) changes nothing.
      await finishLinkUse({ jti, tagHash: tagHash(), claim: countedClaim, highest: 5, now: at(4000) });
      expect(await row()).toEqual({ sentTo: 600_000, downloads: 1 });
      // 99,999 bytes were allowed again so far; from 199,999, 400,002 more would pass the allowance.
      expect(await claim(199_999, 5000)).toBeNull();
      const second = await claim(200_000, 5000);
      expect(second).not.toBeNull();
      // It sends 100 bytes only: the floor stays at what was sent before its claim.
      await finishLinkUse({ jti, tagHash: tagHash(), claim: second!, highest: 200_099, now: at(6000) });
      expect(await row()).toEqual({ sentTo: 600_000, downloads: 1 });
    });

    it('sends again at most the allowance over all the resumes of a use', async () => {
      expect(await claim(599_999, 7000)).toBeNull(); // 2 more bytes again: 500,001 in all
      const last = await claim(600_001, 7000); // nothing again
      expect(last).not.toBeNull();
      await finishLinkUse({ jti, tagHash: tagHash(), claim: last!, highest: size - 1, now: at(8000) });
      expect(await claim(size - 1, 9000)).toBeNull(); // not even the last byte again
      expect(await row()).toEqual({ sentTo: size - 1, downloads: 1 });
      // What the download code does next for a refused resume: count it, and it is refused.
      expect(await refusal(consumeLinkUse({ jti, ip: '198.51.100.21' }))).toMatchObject({ code: 'link_used' });
    });

    it('is refused for a link that was never used, or was revoked', async () => {
      const fresh = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
      expect(
        await claimLinkUseResume({ jti: fresh.id as string, tag, fileVersion: VERSION, start: 10, end: 20, size }),
      ).toBeNull();
      await revokeLink({ id: jti, actor: CLI_ACTOR });
      expect(await claim(size - 10, 9000)).toBeNull();
    });
  });

  it('records link_denied with the reason and never the token', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
    await recordLinkDenied({
      reason: 'used',
      fileId: 'aaaaaaaa',
      linkId: link.id,
      actor: { user: null, ip: '203.0.113.9' },
    });
    await flushLinkDenials();
    const entry = await db().log.findFirstOrThrow({ where: { action: 'link_denied' }, orderBy: { id: 'desc' } });
    expect(entry).toMatchObject({
      ipAddress: '203.0.113.9',
      fileId: 'aaaaaaaa',
      info: `reason: used, file_id: aaaaaaaa, link_id: ${link.id}`,
    });
    expect(entry.info).not.toContain(link.token);
  });

  it('across processes: 4 processes x 15 parallel uses of a one-time link -> exactly one success', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
    const runs = await raceWorkers<{ results: string[] }>(
      Array.from({ length: 4 }, () => ({ op: 'consume', jti: link.id, ip: '203.0.113.50', count: 15 })),
    );
    const answers = runs.flatMap((run) => run.results);
    expect(answers).toHaveLength(60);
    expect(count(answers, 'ok')).toBe(1);
    expect(count(answers, 'link_used')).toBe(59);
  });

  it('across processes: a limit of 3 gives exactly 3 of 3 x 10 parallel uses', async () => {
    const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 3, actor: CLI_ACTOR });
    const runs = await raceWorkers<{ results: string[] }>(
      Array.from({ length: 3 }, () => ({ op: 'consume', jti: link.id, ip: '203.0.113.51', count: 10 })),
    );
    const answers = runs.flatMap((run) => run.results);
    expect(count(answers, 'ok')).toBe(3);
    expect((await db().link.findUniqueOrThrow({ where: { id: link.id as string } })).downloads).toBe(3);
  });
});
