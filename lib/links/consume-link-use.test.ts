import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';
import { raceWorkers } from '../keys/test-support/run-worker';
import { resetKeyCacheForTests } from '../keys/ring-state';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { canResumeLinkDownload } from './can-resume-link-download';
import { checkLinkUsable, consumeLinkUse } from './consume-link-use';
import { createLink } from './create-link';
import { flushLinkDenials, recordLinkDenied } from './record-link-denied';
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

  describe('resuming an interrupted one-time download', () => {
    const ip = '198.51.100.20';
    let jti: string;
    let usedAt: Date;
    beforeAll(async () => {
      const link = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
      jti = link.id as string;
      usedAt = new Date();
      await consumeLinkUse({ jti, ip, now: usedAt });
    });
    const at = (ms: number) => new Date(usedAt.getTime() + ms);

    it('is allowed for a Range request with a matching If-Range, from the same IP, within the window', async () => {
      expect(await canResumeLinkDownload({ jti, ip, ifRangeMatches: true, now: at(60_000) })).toBe(true);
      expect(await canResumeLinkDownload({ jti, ip, ifRangeMatches: true, now: at(10 * 60_000) })).toBe(true);
      // Not counted: the link still shows one use.
      expect((await db().link.findUniqueOrThrow({ where: { id: jti } })).downloads).toBe(1);
    });

    it('is refused from another IP, without a matching If-Range, or after the window', async () => {
      expect(await canResumeLinkDownload({ jti, ip: '198.51.100.21', ifRangeMatches: true, now: at(60_000) })).toBe(
        false,
      );
      expect(await canResumeLinkDownload({ jti, ip, ifRangeMatches: false, now: at(60_000) })).toBe(false);
      expect(await canResumeLinkDownload({ jti, ip, ifRangeMatches: true, now: at(10 * 60_000 + 1) })).toBe(false);
      expect(await canResumeLinkDownload({ jti, ip: 'unknown', ifRangeMatches: true, now: at(60_000) })).toBe(false);
      // What the download code does next for such a request: count it, and it is refused.
      expect(await refusal(consumeLinkUse({ jti, ip: '198.51.100.21' }))).toMatchObject({ code: 'link_used' });
    });

    it('is refused for a link that was never used, or was revoked', async () => {
      const fresh = await createLink({ fileId: 'aaaaaaaa', maxDownloads: 1, actor: CLI_ACTOR });
      expect(await canResumeLinkDownload({ jti: fresh.id as string, ip, ifRangeMatches: true })).toBe(false);
      await revokeLink({ id: jti, actor: CLI_ACTOR });
      expect(await canResumeLinkDownload({ jti, ip, ifRangeMatches: true, now: at(60_000) })).toBe(false);
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
