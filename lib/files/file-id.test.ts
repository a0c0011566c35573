import { describe, expect, it } from 'vitest';
import { chooseFileId, chooseIdFromDigest, deriveFileId, fileIdDigest, isReservedPath } from './file-id';

const sha256x8 = { algorithm: 'sha256', length: 8 };

describe('deriveFileId', () => {
  it('is the Flask server id in its URL-safe form', () => {
    // Flask: base64.b64encode(sha256(b'f4.txt').digest())[:8] == 'Ez5tN6/Y'
    expect(deriveFileId('f4.txt', sha256x8)).toBe('Ez5tN6_Y');
    // The fixture's ids that hold no '+' or '/' are the same in both alphabets.
    expect(deriveFileId('build_scripts.zip', sha256x8)).toBe('qCnjXWbJ');
    expect(deriveFileId('Ubersicht_Marz.pdf', sha256x8)).toBe('YEeG18Qj');
    // ... and those that do differ only in those characters.
    expect(deriveFileId('hello.c', sha256x8)).toBe('C7-mw7wj');
    expect(deriveFileId('team-photo.png', sha256x8)).toBe('k-qoBDQH');
  });

  it('hashes the UTF-8 bytes of the name', () => {
    // Flask gives '1/X8gpEL' for this name (see the fixture README).
    expect(deriveFileId('Übersicht März.pdf', sha256x8)).toBe('1_X8gpEL');
  });

  it('only ever uses URL-safe characters, without padding', () => {
    for (let i = 0; i < 2000; i++) {
      expect(deriveFileId(`file-${i}.bin`, { algorithm: 'sha256', length: 43 })).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('follows the configured algorithm and length', () => {
    expect(deriveFileId('f4.txt', { algorithm: 'sha256', length: 12 })).toBe(
      fileIdDigest('f4.txt', 'sha256').slice(0, 12),
    );
    expect(deriveFileId('f4.txt', { algorithm: 'md5', length: 8 })).not.toBe(deriveFileId('f4.txt', sha256x8));
    expect(deriveFileId('f4.txt', { algorithm: 'sha256', length: 8 })).toBe(deriveFileId('f4.txt', sha256x8));
  });
});

describe('chooseFileId', () => {
  it('uses the plain id when it is free', async () => {
    expect(await chooseFileId('f4.txt', async () => false, sha256x8)).toEqual({ id: 'Ez5tN6_Y', collisions: [] });
  });

  it('gives a longer, deterministic id when the short one is taken, and reports what it collided with', async () => {
    const digest = fileIdDigest('f4.txt', 'sha256');
    const taken = new Set([digest.slice(0, 8), digest.slice(0, 9)]);
    const first = await chooseFileId('f4.txt', async (id) => taken.has(id), sha256x8);
    const again = await chooseFileId('f4.txt', async (id) => taken.has(id), sha256x8);
    expect(first).toEqual({ id: digest.slice(0, 10), collisions: [digest.slice(0, 8), digest.slice(0, 9)] });
    expect(again).toEqual(first);
  });

  it('skips candidates that are reserved top-level paths, whatever their case', async () => {
    // No real name is known to hash to "admin", so walk a made-up digest.
    expect(await chooseIdFromDigest('adminXyz', 5, async () => false)).toEqual({ id: 'adminX', collisions: [] });
    expect(await chooseIdFromDigest('HEALTHxyz', 4, async () => false)).toEqual({ id: 'HEAL', collisions: [] });
    expect(await chooseIdFromDigest('HEALTHxyz', 6, async () => false)).toEqual({ id: 'HEALTHx', collisions: [] });
    expect(isReservedPath('By-Name')).toBe(true);
    expect(isReservedPath('Ez5tN6_Y')).toBe(false);
  });

  it('gives up only when every prefix of the digest is taken', async () => {
    await expect(chooseFileId('f4.txt', async () => true, sha256x8)).rejects.toThrow(/no free file id/);
  });
});
