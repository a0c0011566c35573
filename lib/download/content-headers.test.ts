import { validateHeaderValue } from 'node:http';
import { parse } from 'content-disposition';
import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from './content-headers';

// Every header must be plain ASCII without control characters, pass Node's own header check
// and give back exactly the original name to a client that parses it per RFC 6266.
function check(name: string): string {
  const header = attachmentDisposition(name);
  expect(header).toMatch(/^[\x20-\x7e]+$/);
  expect(() => validateHeaderValue('Content-Disposition', header)).not.toThrow();
  const parsed = parse(header);
  expect(parsed.type).toBe('attachment');
  expect(parsed.parameters.filename).toBeDefined(); // the ASCII fallback is always there
  return header;
}

describe('attachmentDisposition', () => {
  it('sends an ASCII name as filename only', () => {
    expect(check('report.pdf')).toBe('attachment; filename=report.pdf');
    expect(check('Quarterly report (final).pdf')).toBe('attachment; filename="Quarterly report (final).pdf"');
    expect(parse(attachmentDisposition('Quarterly report (final).pdf')).parameters.filename).toBe(
      'Quarterly report (final).pdf',
    );
  });

  it('sends a Latin-1 name with an accent-free ASCII fallback and filename*', () => {
    const header = check('Übersicht März.pdf');
    expect(header).toBe(`attachment; filename="Ubersicht Marz.pdf"; filename*=UTF-8''%C3%9Cbersicht%20M%C3%A4rz.pdf`);
    expect(parse(header).parameters.filename).toBe('Übersicht März.pdf'); // filename* wins
  });

  it('sends CJK and emoji names with "_" in the fallback and the exact name in filename*', () => {
    const cjk = check('報告書 2024.pdf');
    expect(cjk).toContain('filename="___ 2024.pdf"');
    expect(cjk).toContain(`filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8%202024.pdf`);
    expect(parse(cjk).parameters.filename).toBe('報告書 2024.pdf');
    const emoji = check('🎉 party.zip');
    expect(emoji).toContain('filename="_ party.zip"');
    expect(parse(emoji).parameters.filename).toBe('🎉 party.zip');
  });

  it('escapes quotes and backslashes in the quoted string', () => {
    expect(check('say "hi".txt')).toBe('attachment; filename="say \\"hi\\".txt"');
    expect(parse(attachmentDisposition('say "hi".txt')).parameters.filename).toBe('say "hi".txt');
    expect(check('a\\b.txt')).toBe('attachment; filename="a\\\\b.txt"');
    expect(parse(attachmentDisposition('a\\b.txt')).parameters.filename).toBe('a\\b.txt');
    const mixed = check('Ä "quoted" \\ back.txt');
    expect(parse(mixed).parameters.filename).toBe('Ä "quoted" \\ back.txt');
  });

  it('never lets CR, LF or other control characters into the header', () => {
    for (const name of [
      'evil\r\nSet-Cookie: a=1.txt',
      'tab\there.txt',
      'nul\0.txt',
      'del\x7f.txt',
      'esc\x1b[31m.txt',
    ]) {
      const header = check(name);
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      expect(header).not.toMatch(/[\r\n\0\t\x7f\x1b]/);
      expect(parse(header).parameters.filename).toBe(name);
    }
    expect(attachmentDisposition('evil\r\nSet-Cookie: a=1.txt')).toContain('filename="evil__Set-Cookie: a=1.txt"');
  });

  it('keeps a name with percent escapes literal (filename* carries the truth)', () => {
    expect(parse(check('100%25 done.txt')).parameters.filename).toBe('100%25 done.txt');
  });

  it('survives a name with a lone surrogate', () => {
    const header = check('bad\ud800name.txt');
    expect(parse(header).parameters.filename).toBe('bad\ufffdname.txt');
  });
});
