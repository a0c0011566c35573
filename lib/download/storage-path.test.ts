import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { resolveStoragePath } from './storage-path';

const DIR = '/srv/files';

describe('resolveStoragePath', () => {
  it('stores a file directly under the storage directory by its encoded id', () => {
    expect(resolveStoragePath(DIR, 'aB3-x_9Z')).toBe('/srv/files/aB3-x_9Z');
    expect(resolveStoragePath(DIR, 'C7+mw7/j')).toBe('/srv/files/C7%2Bmw7%2Fj'); // Flask ids
    expect(resolveStoragePath('relative/dir', 'x')).toBe(path.resolve('relative/dir', 'x'));
  });

  it('keeps every traversal attempt inside the storage directory', () => {
    for (const id of [
      '../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      '../../',
      '/etc/passwd',
      'a/../../b',
      '..\\..\\x',
      '%2e%2e',
    ]) {
      const resolved = resolveStoragePath(DIR, id);
      expect(path.dirname(resolved), id).toBe(DIR);
      expect(path.basename(resolved)).not.toMatch(/^\.\.?$/);
    }
  });

  it('rejects ids that cannot be a file name', () => {
    for (const id of ['', '.', '..', 'a\0b', '\0', 'bad\ud800', 'x'.repeat(256)]) {
      expect(() => resolveStoragePath(DIR, id), JSON.stringify(id)).toThrow(AppError);
    }
  });
});
