// Property test of the share-link rules over sequences of requests (issue 10): GET / HEAD /
// Range / If-Range / If-Match / If-None-Match / If-Modified-Since from two client IPs, with
// clock jumps, revocation, expiry, and delete + re-upload under the same name in between. It
// runs the real core (resolveDownload and the lib/links rules it calls) on a real SQLite
// database in a temp dir, with an injected clock; "sending" is simulated the way the front
// server does it (recordLinkUseSent when a response ends, possibly cut off). The client side
// knows every ETag any response ever showed, to either IP.
//
// Asserted for every sequence: no more counted uses than the link allows; no bytes, and no
// body-less answer (HEAD, 304, 416) either, for a revoked, expired, used-up or deleted link; no
// response carrying byte 0 or the whole file without counting a use; a resume only under the
// last use's ETag, from after byte 0, no earlier than the highest offset sent under that use
// minus the in-flight allowance, within the window of the last byte sent; all the responses of
// one use together (resumes sent in parallel, ending in any order, included) deliver at most
// the file plus the in-flight allowance.
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { etagFor, resolveStoragePath } from '../download';
import { env } from '../env';
import { newFileGeneration } from '../files/file-generation';
import { deleteFile } from '../files/delete-file';
import { resetKeyCacheForTests } from '../keys/ring-state';
import { createLink } from '../links/create-link';
import { inFlightAllowance } from '../links/resume-link-download';
import { revokeLink } from '../links/revoke-link';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { recordLinkUseSent, resolveDownload } from './resolve-download';

type Validator =
  'none' | 'ifRangeUse' | 'ifMatchUse' | 'ifRangeStaleUse' | 'ifRangeFile' | 'ifNoneMatchFile' | 'ifModifiedSince';

type Command =
  | {
      kind: 'request';
      link: 'tracked' | 'untracked';
      method: 'GET' | 'HEAD';
      ip: 0 | 1;
      /** null: no Range; else the start as a fraction of the size (0 = bytes=0-), or past the end. */
      range: null | 'zero' | 'one' | number | 'past-end';
      validator: Validator;
      /** null: sent completely; else the fraction of the planned bytes sent before the cut. */
      cut: null | number;
    }
  | {
      /** Resumes sent together: each is answered before any of them ends; they end in `order`. */
      kind: 'parallel';
      starts: ('one' | number)[];
      cuts: (null | number)[];
      order: 'sent' | 'reversed';
    }
  | { kind: 'advance'; ms: number }
  | { kind: 'revoke' }
  | { kind: 'deleteAndReupload' };

const TTL_MS = 30 * 60_000;
const WINDOW_MS = 10 * 60_000;
const IPS = ['198.51.100.7', '203.0.113.99'];

/** 0 to 0.999, evenly (fc.double leans to its bounds). */
const fraction = fc.integer({ min: 0, max: 999 }).map((n) => n / 1000);

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      link: fc.constantFrom('tracked' as const, 'tracked' as const, 'untracked' as const),
      method: fc.constantFrom('GET' as const, 'GET' as const, 'GET' as const, 'HEAD' as const),
      ip: fc.constantFrom(0 as const, 1 as const),
      range: fc.oneof(
        fc.constant(null),
        fc.constant('zero' as const),
        fc.constant('one' as const),
        fc.constant('past-end' as const),
        { weight: 4, arbitrary: fraction },
      ),
      validator: fc.oneof(
        { weight: 4, arbitrary: fc.constant<Validator>('ifRangeUse') },
        { weight: 2, arbitrary: fc.constant<Validator>('ifMatchUse') },
        fc.constantFrom<Validator>('none', 'ifRangeStaleUse', 'ifRangeFile', 'ifNoneMatchFile', 'ifModifiedSince'),
      ),
      cut: fc.oneof(fc.constant(null), fraction),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('parallel' as const),
      starts: fc.array(fc.oneof(fc.constant('one' as const), fraction), { minLength: 2, maxLength: 4 }),
      cuts: fc.array(fc.oneof(fc.constant(null), fraction), { minLength: 4, maxLength: 4 }),
      order: fc.constantFrom('sent' as const, 'reversed' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 12 * 60_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'revoke' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deleteAndReupload' as const }) },
);

describe('share links over any sequence of requests', () => {
  let temp: TempEnv;
  let run = 0;
  beforeAll(async () => {
    temp = await createTempEnv({ CLOCK_SKEW: '0s', ONE_TIME_RESUME_WINDOW: '10m', PUBLIC_URL: 'https://f.example' });
    resetKeyCacheForTests();
  });
  afterAll(() => temp.cleanup());

  const seen = { counted: 0, resumes: 0, overlapping: 0, bodyless: 0, refused: 0 };

  it('never yields more uses, bytes or copies than the link allows', async () => {
    expect(env().oneTimeResumeWindowMs).toBe(WINDOW_MS);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 10, 1000, 40 * 1024 * 1024),
        fc.integer({ min: 1, max: 3 }),
        fc.array(command, { minLength: 1, maxLength: 25 }),
        async (size, maxDownloads, commands) => {
          run++;
          const id = `p${String(run).padStart(7, '0')}`;
          let clock = Date.now();
          const uploadedAt = new Date(clock - 60_000);
          await storeFile(id, size, uploadedAt);
          const tracked = await createLink({
            fileId: id,
            ttlMs: TTL_MS,
            maxDownloads,
            actor: CLI_ACTOR,
            now: new Date(clock),
          });
          const untracked = await createLink({
            fileId: id,
            ttlMs: TTL_MS,
            tracked: false,
            actor: CLI_ACTOR,
            now: new Date(clock),
          });
          const expiresAt = tracked.expiresAt.getTime();
          const fileEtag = etagFor(id, size, uploadedAt.getTime());
          const seenUseTags: string[] = [];

          // The model: what the link allows.
          let uses = 0;
          let revoked = false;
          let deleted = false;
          // The last counted use: its tag; what the row says was sent (the planned end of the
          // response that holds the use while it runs); the bytes its resumes were allowed to
          // send again; every response of it (planned end, and what it sent once it ended).
          type Response = { id: number; plannedEnd: number; highest: number; ended: boolean };
          let current: {
            tag: string;
            rowSentTo: number;
            holder: number;
            holderFloor: number;
            resent: number;
            delivered: number;
            responses: Response[];
            lastSent: number;
          } | null = null;
          let responseIds = 0;
          /** The highest offset that may have gone out under the use: running responses count their planned end. */
          const maybeSent = (use: NonNullable<typeof current>) =>
            Math.max(-1, ...use.responses.map((r) => (r.ended ? r.highest : r.plannedEnd)));
          const allowance = inFlightAllowance(size);

          /** Sends one request; returns how to end its response (the front server's onFinish). */
          const send = async (step: Extract<Command, { kind: 'request' }>): Promise<(() => Promise<void>) | null> => {
            const link = step.link === 'tracked' ? tracked : untracked;
            const headers: Record<string, string> = {};
            if (step.range !== null) {
              const start =
                step.range === 'zero'
                  ? 0
                  : step.range === 'one'
                    ? 1
                    : step.range === 'past-end'
                      ? size + 5
                      : Math.floor(size * step.range);
              headers.range = `bytes=${start}-`;
            }
            const latestUse = seenUseTags.at(-1) ?? '"u.none"';
            switch (step.validator) {
              case 'ifRangeUse':
                headers['if-range'] = latestUse;
                break;
              case 'ifMatchUse':
                headers['if-match'] = latestUse;
                break;
              case 'ifRangeStaleUse':
                headers['if-range'] = seenUseTags[0] ?? '"u.none"';
                break;
              case 'ifRangeFile':
                headers['if-range'] = fileEtag;
                break;
              case 'ifNoneMatchFile':
                headers['if-none-match'] = fileEtag;
                break;
              case 'ifModifiedSince':
                headers['if-modified-since'] = new Date(clock).toUTCString();
                break;
            }
            const now = new Date(clock);
            const answer = await resolveDownload({
              method: step.method,
              pathname: `/${id}`,
              searchParams: new URL(link.url).searchParams,
              headers,
              clientIp: IPS[step.ip],
              now,
            });
            const context = { size, maxDownloads, step, uses, revoked, deleted, clock, expiresAt, current };
            // Liveness: what the model says is a resume must be served as one.
            const start = headers.range ? Number(headers.range.slice(6, -1)) : null;
            const sentTag = headers['if-range'] ?? headers['if-match'];
            const resumable =
              link === tracked &&
              step.method === 'GET' &&
              start !== null &&
              start >= 1 &&
              start < size &&
              current !== null &&
              sentTag === current.tag &&
              !revoked &&
              !deleted &&
              clock < expiresAt &&
              clock - current.lastSent <= WINDOW_MS &&
              current.resent + Math.max(0, current.rowSentTo + 1 - start) <= allowance;
            if (answer.kind === 'error') {
              seen.refused++;
              expect({ resumable, context }).toEqual({ resumable: false, context });
              expect(answer.error.status, JSON.stringify(context)).toBeLessThan(500);
              return null;
            }
            expect(answer.kind, JSON.stringify(context)).toBe('file');
            if (answer.kind !== 'file') return null;
            const etag = answer.plan.headers.ETag;
            if (etag?.startsWith('"u.') && !seenUseTags.includes(etag)) seenUseTags.push(etag);

            // Nothing at all (not even HEAD or 304) for a deleted, expired or revoked link.
            expect({ deleted, context }).toEqual({ deleted: false, context });
            expect(clock < expiresAt, JSON.stringify(context)).toBe(true);
            if (link === untracked) return null;
            expect({ revoked, context }).toEqual({ revoked: false, context });

            const { bytes, status } = answer.plan;
            const counted = answer.use?.counted === true;
            if (resumable)
              expect({ resumed: !counted && answer.use !== null, context }).toEqual({ resumed: true, context });
            if (!bytes) {
              if (step.method === 'GET' && status === 200) {
                // An empty file: delivered only as a counted use.
                expect({ counted, context }).toEqual({ counted: true, context });
              } else {
                // HEAD, 304, 416: only while the link could still download.
                expect(uses < maxDownloads, JSON.stringify(context)).toBe(true);
                expect(counted).toBe(false);
              }
            }
            let response: Response | null = null;
            const sent = bytes
              ? step.cut === null
                ? bytes.end - bytes.start + 1
                : Math.floor((bytes.end - bytes.start + 1) * step.cut)
              : 0;
            if (!bytes) seen.bodyless++;
            if (counted) {
              seen.counted++;
              uses++;
              expect(uses, JSON.stringify(context)).toBeLessThanOrEqual(maxDownloads);
              const id = ++responseIds;
              const plannedEnd = bytes ? bytes.end : -1;
              current = {
                tag: etag,
                rowSentTo: plannedEnd,
                holder: id,
                holderFloor: -1,
                resent: 0,
                delivered: sent,
                responses: [{ id, plannedEnd, highest: bytes ? bytes.start + sent - 1 : -1, ended: false }],
                lastSent: clock,
              };
              response = current.responses[0];
            } else if (bytes) {
              // Bytes without a counted use: only a resume of the last use.
              seen.resumes++;
              expect(answer.use, JSON.stringify(context)).not.toBeNull();
              expect(current, JSON.stringify(context)).not.toBeNull();
              expect(etag, JSON.stringify(context)).toBe(current!.tag);
              expect(bytes.start, JSON.stringify(context)).toBeGreaterThanOrEqual(1);
              expect(bytes.start, JSON.stringify(context)).toBeGreaterThanOrEqual(maybeSent(current!) - allowance);
              expect(clock - current!.lastSent, JSON.stringify(context)).toBeLessThanOrEqual(WINDOW_MS);
              // All the responses of one use together: at most the file plus the allowance.
              current!.delivered += sent;
              expect(current!.delivered, JSON.stringify(context)).toBeLessThanOrEqual(size + allowance);
              if (current!.responses.some((r) => !r.ended)) seen.overlapping++;
              // The claim: it holds the use now, and the row says its planned end was sent.
              const id = ++responseIds;
              current!.resent += Math.max(0, current!.rowSentTo + 1 - bytes.start);
              current!.holderFloor = current!.rowSentTo;
              current!.holder = id;
              current!.rowSentTo = Math.max(current!.rowSentTo, bytes.end);
              response = { id, plannedEnd: bytes.end, highest: bytes.start + sent - 1, ended: false };
              current!.responses.push(response);
              current!.lastSent = clock;
            }
            // The response ends: the front server records what it really sent.
            // The response ends: the front server records what it really sent (only its holder writes).
            const use = current;
            return async () => {
              await recordLinkUseSent(answer, sent, now);
              if (!response || !use) return;
              response.ended = true;
              if (use.holder === response.id) use.rowSentTo = Math.max(use.holderFloor, response.highest);
            };
          };

          for (const step of commands) {
            if (step.kind === 'advance') {
              clock += step.ms;
              continue;
            }
            if (step.kind === 'revoke') {
              await revokeLink({ id: tracked.id!, actor: CLI_ACTOR }).catch(() => undefined);
              revoked = true;
              continue;
            }
            if (step.kind === 'deleteAndReupload') {
              if (!deleted) {
                await deleteFile(id, CLI_ACTOR);
                // A new file under the same name and id: its bytes too, so only the generation
                // keeps the old links from it.
                await storeFile(id, size, uploadedAt);
                deleted = true;
              }
              continue;
            }
            if (step.kind === 'parallel') {
              const ends: (() => Promise<void>)[] = [];
              for (const [i, start] of step.starts.entries()) {
                const end = await send({
                  kind: 'request',
                  link: 'tracked',
                  method: 'GET',
                  ip: (i % 2) as 0 | 1,
                  range: start,
                  validator: 'ifRangeUse',
                  cut: step.cuts[i] ?? null,
                });
                if (end) ends.push(end);
              }
              if (step.order === 'reversed') ends.reverse();
              for (const end of ends) await end();
              continue;
            }
            const end = await send(step);
            await end?.();
          }
          if (!deleted) {
            const row = await db().link.findUnique({ where: { id: tracked.id! } });
            expect(row!.downloads).toBe(uses);
            expect(row!.downloads).toBeLessThanOrEqual(maxDownloads);
          }
        },
      ),
      { numRuns: 200 },
    );
    // The sequences reached every kind of answer (the property is not vacuous).
    console.log('link sequences:', seen);
    expect(seen.counted).toBeGreaterThan(50);
    expect(seen.resumes).toBeGreaterThan(10);
    expect(seen.overlapping).toBeGreaterThan(5);
    expect(seen.bodyless).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(50);
  });
});

/** A file row and its bytes (sparse, mtime = upload time): downloads are planned from the open file. */
async function storeFile(id: string, size: number, uploadedAt: Date): Promise<void> {
  await db().file.create({
    data: {
      id,
      name: `${id}.bin`,
      size: BigInt(size),
      type: 'application/octet-stream',
      uploadedAt,
      generation: newFileGeneration(),
    },
  });
  const stored = resolveStoragePath(env().storageDir, id);
  fs.mkdirSync(path.dirname(stored), { recursive: true });
  fs.writeFileSync(stored, '');
  fs.truncateSync(stored, size);
  fs.utimesSync(stored, uploadedAt, uploadedAt);
}
