// The CSRF rule for cookie-carrying writes, case by case (the HTTP behaviour is tested against
// the built server in lib/server/hostile-input.test.ts).
import { describe, expect, it } from 'vitest';
import { crossSiteRefusal, type RequestOrigin } from './same-origin';

const policy = { trustProxy: 0, publicUrl: 'https://files.example.com' };
const base: RequestOrigin = {
  method: 'POST',
  secFetchSite: undefined,
  origin: undefined,
  host: '127.0.0.1:3000',
  forwardedHost: undefined,
};
const check = (request: Partial<RequestOrigin>, p = policy) => crossSiteRefusal({ ...base, ...request }, p);

describe('crossSiteRefusal', () => {
  it('lets safe methods through whatever they carry', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) {
      expect(check({ method, secFetchSite: 'cross-site', origin: 'null' })).toBeNull();
    }
  });

  it('trusts Sec-Fetch-Site: same-origin and refuses same-site and cross-site, whatever Origin says', () => {
    expect(check({ secFetchSite: 'same-origin', origin: 'null' })).toBeNull();
    expect(check({ secFetchSite: 'same-site', origin: 'https://files.example.com' })).toMatch(/same-site/);
    expect(check({ secFetchSite: 'cross-site' })).toMatch(/cross-site/);
  });

  it('refuses a Sec-Fetch-Site no browser sends (two headers joined by the server, garbage)', () => {
    expect(check({ secFetchSite: 'same-origin, cross-site' })).toMatch(/unknown/);
    expect(check({ secFetchSite: 'whatever' })).toMatch(/unknown/);
  });

  it('without Sec-Fetch-Site, decides by Origin: absent passes, null and foreign hosts are refused', () => {
    expect(check({})).toBeNull();
    expect(check({ secFetchSite: 'none' })).toBeNull();
    expect(check({ origin: 'null' })).toMatch(/null/);
    expect(check({ origin: '' })).toMatch(/empty/);
    expect(check({ origin: 'http://evil.example' })).toMatch(/foreign/);
    expect(check({ origin: 'http://127.0.0.1.evil.example:3000' })).toMatch(/foreign/);
    expect(check({ origin: 'not a url' })).toMatch(/malformed/);
    expect(check({ origin: 'http://127.0.0.1:3000' })).toBeNull();
    expect(check({ origin: 'https://files.example.com' })).toBeNull();
    // Another port of the same host is another origin.
    expect(check({ origin: 'http://127.0.0.1:3001' })).toMatch(/foreign/);
  });

  it('believes X-Forwarded-Host only behind a trusted proxy', () => {
    const forwarded = { origin: 'https://proxy.example', forwardedHost: 'proxy.example', host: 'backend:3000' };
    expect(check(forwarded)).toMatch(/foreign/);
    expect(check(forwarded, { ...policy, trustProxy: 1 })).toBeNull();
    expect(check({ ...forwarded, forwardedHost: 'proxy.example, inner' }, { ...policy, trustProxy: 1 })).toBeNull();
  });
});
