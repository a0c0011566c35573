// A file's download history as the Files page shows it: newest first, who, which link, IP,
// only this file's downloads, anonymized entries without who and IP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { anonymizeLogsBefore } from './anonymize';
import { listDownloadHistory, parseDownloadInfo } from './download-history';
import { recordAudit, type Actor } from './index';

let temp: TempEnv;

beforeAll(async () => {
  temp = await createTempEnv();
});

afterAll(async () => {
  await temp.cleanup();
});

// As lib/delivery writes them.
const download = (actor: Actor, fileId: string, extra: { link_id?: string; range?: true } = {}) =>
  recordAudit({
    action: 'download',
    actor,
    fileId,
    info: { file_id: fileId, name: 'report.pdf', link_id: extra.link_id, bytes: 688, range: extra.range },
  });

describe('listDownloadHistory', () => {
  it("lists a file's downloads newest first, with who, which link and IP", async () => {
    await download({ user: 'alice', ip: '203.0.113.7' }, 'YEeG18Qj');
    await download({ user: 'link:lnk_abc', ip: '198.51.100.2' }, 'YEeG18Qj', { link_id: 'lnk_abc' });
    await download({ user: 'anonymous', ip: '2001:db8::1' }, 'other-file');
    await recordAudit({
      action: 'link_denied',
      actor: { user: 'anonymous', ip: '192.0.2.1' },
      fileId: 'YEeG18Qj',
      info: { reason: 'expired', file_id: 'YEeG18Qj' },
    });
    await download({ user: 'link', ip: '198.51.100.3' }, 'YEeG18Qj', { range: true });

    const history = await listDownloadHistory({ fileId: 'YEeG18Qj' });
    expect(history.more).toBe(false);
    expect(
      history.items.map(({ user, ip, via, linkId, resumed, anonymized }) => ({
        user,
        ip,
        via,
        linkId,
        resumed,
        anonymized,
      })),
    ).toEqual([
      { user: 'link', ip: '198.51.100.3', via: 'link', linkId: null, resumed: true, anonymized: false },
      { user: 'link:lnk_abc', ip: '198.51.100.2', via: 'link', linkId: 'lnk_abc', resumed: false, anonymized: false },
      { user: 'alice', ip: '203.0.113.7', via: 'direct', linkId: null, resumed: false, anonymized: false },
    ]);
    expect(Date.parse(history.items[0].at)).toBeGreaterThanOrEqual(Date.parse(history.items[2].at));
  });

  it('keeps when and which link of anonymized downloads, but not who or the IP', async () => {
    await anonymizeLogsBefore(new Date(Date.now() + 1000));
    const history = await listDownloadHistory({ fileId: 'YEeG18Qj' });
    expect(history.items[1]).toMatchObject({ user: null, ip: null, via: 'link', linkId: 'lnk_abc', anonymized: true });
    expect(history.items[2]).toMatchObject({ user: null, ip: null, via: 'direct', anonymized: true });
  });

  it('says when there are more than it shows', async () => {
    const history = await listDownloadHistory({ fileId: 'YEeG18Qj', limit: 2 });
    expect(history.items).toHaveLength(2);
    expect(history.more).toBe(true);
  });
});

describe('parseDownloadInfo', () => {
  it('reads the link id and the range flag from the end of a download entry', () => {
    expect(parseDownloadInfo('file_id: YEeG18Qj, name: a.pdf, link_id: lnk_123, bytes: 688')).toEqual({
      linkId: 'lnk_123',
      resumed: false,
    });
    expect(parseDownloadInfo('file_id: YEeG18Qj, name: a.pdf, bytes: 100, range: true')).toEqual({
      linkId: null,
      resumed: true,
    });
    // Imported from the Flask server.
    expect(parseDownloadInfo('file_id: YEeG18Qj, filename: Ubersicht_Marz.pdf')).toEqual({
      linkId: null,
      resumed: false,
    });
    // A name that mimics the fields in its middle does not pass for a link.
    expect(parseDownloadInfo('file_id: x, name: a, link_id: fake, bytes: 1.txt, bytes: 5')).toEqual({
      linkId: null,
      resumed: false,
    });
  });
});
