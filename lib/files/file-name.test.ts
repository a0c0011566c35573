import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { normalizeFileName } from './file-name';

function problem(name: unknown): string {
  try {
    normalizeFileName(name);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('validation_failed');
    return (error as AppError).message;
  }
  throw new Error(`${JSON.stringify(name)} was accepted`);
}

describe('normalizeFileName', () => {
  it('keeps ordinary names as they are, spaces and all', () => {
    expect(normalizeFileName('Quarterly Report Q3 2024.txt')).toBe('Quarterly Report Q3 2024.txt');
    expect(normalizeFileName('.env')).toBe('.env');
    expect(normalizeFileName('漢字 😀.png')).toBe('漢字 😀.png');
    expect(normalizeFileName('a"b\'c.txt')).toBe('a"b\'c.txt');
  });

  it('trims and NFC-normalizes, so the same name typed on macOS and Linux is one file', () => {
    const decomposed = 'U\u0308bersicht.pdf';
    expect(normalizeFileName(`  ${decomposed}\u00a0`)).toBe('\u00dcbersicht.pdf');
  });

  it('counts the 255 limit in UTF-8 bytes', () => {
    expect(normalizeFileName('a'.repeat(255))).toHaveLength(255);
    expect(problem('a'.repeat(256))).toMatch(/too long: 256 bytes/);
    expect(normalizeFileName('é'.repeat(127))).toHaveLength(127);
    expect(problem('é'.repeat(128))).toMatch(/256 bytes/);
  });

  it('refuses names that could be paths or hide characters', () => {
    expect(problem('')).toMatch(/empty/);
    expect(problem('   ')).toMatch(/empty/);
    expect(problem('.')).toMatch(/not a file name/);
    expect(problem('..')).toMatch(/not a file name/);
    expect(problem('../etc/passwd')).toMatch(/"\/"/);
    expect(problem('a\\b')).toMatch(/"\\"/);
    expect(problem('a\0b')).toMatch(/NUL/);
    expect(problem('a\nb')).toMatch(/control characters/);
    expect(problem('a\u0085b')).toMatch(/control characters/);
    expect(problem('a\ud800b')).toMatch(/not valid Unicode/);
    expect(problem(42)).toMatch(/must be text/);
  });

  it('refuses bidirectional controls, which make a name read as another', () => {
    for (const c of [
      '\u202E',
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ]) {
      expect(problem(`invoice_${c}fdp.exe`), c.codePointAt(0)!.toString(16)).toMatch(/bidirectional/);
    }
    // Right-to-left text itself is fine.
    expect(normalizeFileName('עברית.pdf')).toBe('עברית.pdf');
  });
});
