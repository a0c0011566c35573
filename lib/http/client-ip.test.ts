import { describe, expect, it } from 'vitest';
import { normalizeIp, resolveClientIp } from './client-ip';

describe('resolveClientIp', () => {
  it('uses the socket address and ignores forwarded headers when no proxy is trusted', () => {
    expect(
      resolveClientIp({ socketAddress: '203.0.113.9', forwardedFor: '1.2.3.4', realIp: '5.6.7.8', trustProxy: 0 }),
    ).toBe('203.0.113.9');
  });

  it('takes the client from X-Forwarded-For behind one trusted proxy', () => {
    expect(resolveClientIp({ socketAddress: '127.0.0.1', forwardedFor: '198.51.100.7', trustProxy: 1 })).toBe(
      '198.51.100.7',
    );
  });

  it('does not let a client forge its IP by sending its own X-Forwarded-For through one proxy', () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; the trusted proxy appended the real address.
    expect(resolveClientIp({ socketAddress: '127.0.0.1', forwardedFor: '6.6.6.6, 198.51.100.7', trustProxy: 1 })).toBe(
      '198.51.100.7',
    );
  });

  it('walks back as many hops as are trusted', () => {
    const forwardedFor = '6.6.6.6, 198.51.100.7, 10.0.0.2';
    expect(resolveClientIp({ socketAddress: '10.0.0.1', forwardedFor, trustProxy: 2 })).toBe('198.51.100.7');
    expect(resolveClientIp({ socketAddress: '10.0.0.1', forwardedFor, trustProxy: 10 })).toBe('6.6.6.6');
  });

  it('falls back to X-Real-IP, then the socket, behind a trusted proxy', () => {
    expect(resolveClientIp({ socketAddress: '127.0.0.1', realIp: '198.51.100.8', trustProxy: 1 })).toBe('198.51.100.8');
    expect(resolveClientIp({ socketAddress: '127.0.0.1', forwardedFor: 'garbage', trustProxy: 1 })).toBe('127.0.0.1');
  });

  it('normalizes IPv6 and IPv4-mapped addresses', () => {
    expect(resolveClientIp({ socketAddress: '::ffff:192.0.2.1', trustProxy: 0 })).toBe('192.0.2.1');
    expect(normalizeIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeIp('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(normalizeIp('::FFFF:c000:0201')).toBe('192.0.2.1');
    expect(normalizeIp('192.0.2.1:8080')).toBe('192.0.2.1');
    expect(normalizeIp('not-an-ip')).toBeNull();
  });
});
