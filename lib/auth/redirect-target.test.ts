import { describe, expect, it } from 'vitest';
import { safeRedirectTarget } from './redirect-target';

const OWN = 'https://files.example.org';

describe('safeRedirectTarget', () => {
  it('keeps paths of the own origin, normalized as a browser would', () => {
    expect(safeRedirectTarget('/admin/links?fileId=abc#x', OWN)).toBe('/admin/links?fileId=abc#x');
    expect(safeRedirectTarget('/admin/../admin/logs', OWN)).toBe('/admin/logs');
    expect(safeRedirectTarget(`${OWN}/admin/keys`, OWN)).toBe('/admin/keys');
    expect(safeRedirectTarget('/admin', OWN, { absolute: true })).toBe(`${OWN}/admin`);
    expect(safeRedirectTarget('/%2F%2Fevil.example', OWN)).toBe('/%2F%2Fevil.example');
    // A browser reads a scheme like the own one without slashes as a path on the own origin.
    expect(safeRedirectTarget('https:evil.example', OWN)).toBe('/evil.example');
  });

  it('gives /admin for anything a browser could read as another origin, and for other shapes', () => {
    const attacks: unknown[] = [
      '/\t/evil.example',
      '/\n/evil.example',
      '\t//evil.example',
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/.//evil.example',
      '/admin/../..//evil.example',
      'https://evil.example/',
      'http://files.example.org.evil.example/',
      `${OWN}@evil.example/`,
      'https://user:pass@files.example.org/admin',
      'javascript:alert(1)',
      'data:text/html,x',
      '/\u0000/evil.example',
      '/\u0085/evil.example',
      ' /admin',
      '',
      'x'.repeat(3000),
      ['/a', '/b'],
      undefined,
      42,
    ];
    for (const value of attacks) {
      expect(safeRedirectTarget(value, OWN), JSON.stringify(value)?.slice(0, 40)).toBe('/admin');
    }
    expect(safeRedirectTarget('//evil.example', OWN, { absolute: true })).toBe(`${OWN}/admin`);
  });
});
