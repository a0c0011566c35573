// The CSV export: RFC 4180 quoting, formula cells neutralized, and a streamed export that
// holds every filtered entry exactly once, across many pages.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFilePath } from '../env/paths';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { csvField, csvRecord, logCsvFileName, streamLogCsv } from './log-csv';

/** A small RFC 4180 reader, to check the writer by reading its output back. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe(''); // every record ends with CRLF
  return records;
}

describe('csvField', () => {
  it('quotes only what needs it, doubling quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('file_id: YEeG18Qj, name: a.pdf')).toBe('"file_id: YEeG18Qj, name: a.pdf"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField('Übersicht März.pdf')).toBe('Übersicht März.pdf');
  });

  it('turns cells a spreadsheet would run as formulas into text', () => {
    expect(csvField('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csvField('+1 555')).toBe("'+1 555");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('\r=1')).toBe(`"'\r=1"`);
    // Only at the start: inside a cell these are harmless.
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('2001:db8::1')).toBe('2001:db8::1');
  });

  it('reads back to the same values', () => {
    const values = ['a,b', '"q"', 'x\r\ny', '', 'plain', '=cmd'];
    expect(parseCsv(csvRecord(values))).toEqual([['a,b', '"q"', 'x\r\ny', '', 'plain', "'=cmd"]]);
  });

  it('names the file after the UTC date', () => {
    expect(logCsvFileName(new Date('2026-11-23T23:30:00-05:00'))).toBe('audit-log-2026-11-24.csv');
  });
});

describe('streamLogCsv', () => {
  let temp: TempEnv;

  beforeAll(async () => {
    temp = await createTempEnv();
    const sqlite = new Database(databaseFilePath(temp.databaseUrl));
    const insert = sqlite.prepare(
      'INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId", "anonymized") VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    sqlite.transaction(() => {
      for (let i = 0; i < 1234; i++) {
        insert.run(
          Date.UTC(2026, 10, 1) + i * 1000,
          i % 2 ? 'alice' : '=evil()',
          '203.0.113.7',
          i % 3 ? 'download' : 'login',
          `n: ${i}, name: "a, b"`,
          i % 3 ? 'YEeG18Qj' : null,
          i < 10 ? 1 : 0,
        );
      }
    })();
    sqlite.close();
  });

  afterAll(async () => {
    await temp.cleanup();
  });

  async function read(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
    let text = '';
    let chunks = 0;
    const decoder = new TextDecoder();
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      chunks++;
    }
    return { text, chunks };
  }

  it('streams every entry of the filter once, newest first, page by page', async () => {
    const { text, chunks } = await read(streamLogCsv({ action: 'download' }, { batch: 100 }));
    const [header, ...records] = parseCsv(text);
    expect(header).toEqual(['timestamp', 'action', 'user', 'ip', 'file_id', 'info', 'anonymized']);
    const want = Array.from({ length: 1234 }, (_, i) => i)
      .filter((i) => i % 3)
      .reverse();
    expect(records).toHaveLength(want.length);
    expect(records.map((r) => r[5])).toEqual(want.map((i) => `n: ${i}, name: "a, b"`));
    expect(chunks).toBe(Math.ceil(want.length / 100));
    expect(records[0]).toEqual([
      new Date(Date.UTC(2026, 10, 1) + 1232 * 1000).toISOString(),
      'download',
      "'=evil()",
      '203.0.113.7',
      'YEeG18Qj',
      'n: 1232, name: "a, b"',
      'false',
    ]);
  });

  it('neutralizes formula cells and marks anonymized entries', async () => {
    const { text } = await read(streamLogCsv({ action: 'login' }));
    const records = parseCsv(text).slice(1);
    expect(records.map((r) => r[2])).toEqual(expect.arrayContaining(['alice', "'=evil()"]));
    expect(records.filter((r) => r[2].startsWith('='))).toEqual([]);
    expect(records.at(-1)).toEqual([
      new Date(Date.UTC(2026, 10, 1)).toISOString(),
      'login',
      "'=evil()",
      '203.0.113.7',
      '',
      'n: 0, name: "a, b"',
      'true',
    ]);
  });

  it('is just the header when nothing matches', async () => {
    expect((await read(streamLogCsv({ user: 'nobody' }))).text).toBe(
      'timestamp,action,user,ip,file_id,info,anonymized\r\n',
    );
  });
});
