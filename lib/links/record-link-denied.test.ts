// The link_denied cap (issue 10, item 13): a client sending forged links by the thousand gets
// at most LINK_DENIED_ROWS_PER_WINDOW rows per reason and window, plus one summary row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../db';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import {
  flushLinkDenied,
  LINK_DENIED_ROWS_PER_WINDOW,
  LINK_DENIED_WINDOW_MS,
  recordLinkDenied,
} from './record-link-denied';

describe('link_denied rows are capped per client IP and reason', () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv();
  });
  afterAll(() => temp.cleanup());

  const rows = (ip: string) =>
    db().log.findMany({ where: { action: 'link_denied', ipAddress: ip }, orderBy: { id: 'asc' } });

  it('writes the first rows of a window, then one summary row with the count when it closes', async () => {
    const t0 = 1_900_000_000_000;
    const actor = { user: 'anonymous', ip: '192.0.2.9' };
    for (let i = 0; i < 1000; i++) {
      await recordLinkDenied({ reason: 'bad_signature', fileId: 'aaaaaaaa', actor }, t0 + i);
    }
    // Another reason from the same client has its own allowance; another client too.
    await recordLinkDenied({ reason: 'malformed', fileId: 'aaaaaaaa', actor }, t0 + 5);
    await recordLinkDenied({ reason: 'bad_signature', fileId: 'aaaaaaaa', actor: { ...actor, ip: '192.0.2.10' } }, t0);
    expect(await rows('192.0.2.9')).toHaveLength(LINK_DENIED_ROWS_PER_WINDOW + 1);
    expect(await rows('192.0.2.10')).toHaveLength(1);

    // The next denial after the window closes the old window (its summary) and opens a new one.
    await recordLinkDenied({ reason: 'bad_signature', fileId: 'aaaaaaaa', actor }, t0 + LINK_DENIED_WINDOW_MS);
    const after = await rows('192.0.2.9');
    expect(after).toHaveLength(LINK_DENIED_ROWS_PER_WINDOW + 3);
    const summary = after.find((row) => row.info.includes('suppressed'));
    expect(summary?.info).toBe(
      `reason: bad_signature, file_id: aaaaaaaa, suppressed: ${1000 - LINK_DENIED_ROWS_PER_WINDOW}, window_s: 60`,
    );
    expect(after.at(-1)?.info).toBe('reason: bad_signature, file_id: aaaaaaaa');
  });

  it('flushes the summaries of open windows (server shutdown)', async () => {
    const t0 = 1_900_000_500_000;
    const actor = { user: 'anonymous', ip: '192.0.2.11' };
    for (let i = 0; i < LINK_DENIED_ROWS_PER_WINDOW + 4; i++) {
      await recordLinkDenied({ reason: 'used', fileId: 'bbbbbbbb', linkId: 'L1', actor }, t0 + i);
    }
    await flushLinkDenied(t0 + 100);
    const written = await rows('192.0.2.11');
    expect(written).toHaveLength(LINK_DENIED_ROWS_PER_WINDOW + 1);
    expect(written.at(-1)?.info).toBe('reason: used, file_id: bbbbbbbb, link_id: L1, suppressed: 4, window_s: 60');
  });
});
