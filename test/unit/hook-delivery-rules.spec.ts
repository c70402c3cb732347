import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/agent/hooks/hook-backoff.js';
import { signatureHeaders } from '../../src/agent/hooks/hook-signature.js';
import { isPrivateAddress, isPrivateHost } from '../../src/agent/infrastructure/private-address.js';
import { hookTargetsProblem } from '../../src/agent/runtime/hook-target.js';

describe('outbound hook rules', () => {
  it('refuses loopback, private, link-local and mapped addresses, and lets public ones through', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.5',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '[::1]',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1'])
      expect(isPrivateAddress(address), address).toBe(false);
    expect(isPrivateHost('localhost')).toBe(true);
    expect(isPrivateHost('api.localhost')).toBe(true);
    expect(isPrivateHost('example.com')).toBe(false);
  });

  it('backs off exponentially up to the cap, with jitter below the ceiling', () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000, 60_000]);
    expect(retryDelayMs(3, 1000, 60_000, () => 0.5)).toBe(2000);
    expect(retryDelayMs(3, 1000, 60_000, () => 0)).toBe(1);
  });

  it('signs as Standard Webhooks does: HMAC-SHA256 of "id.timestamp.body" with the decoded whsec_ secret', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const headers = signatureHeaders(`whsec_${key.toString('base64')}`, 'msg_1', '{"a":1}', 1_700_000_000_000);
    const expected = createHmac('sha256', key).update('msg_1.1700000000.{"a":1}').digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': `v1,${expected}` });
  });

  it('checks hook targets: http(s) URLs without credentials, known events, at most ten', () => {
    expect(hookTargetsProblem([{ url: 'https://example.com/h' }, { url: 'http://example.com', events: ['execution.failed'] }])).toBeNull();
    expect(hookTargetsProblem([{ url: 'file:///etc/passwd' }])).toContain('http or https');
    expect(hookTargetsProblem([{ url: 'https://user:pw@example.com' }])).toContain('credentials');
    expect(hookTargetsProblem([{ url: 'https://example.com', events: [] }])).toContain('events');
    expect(hookTargetsProblem(Array.from({ length: 11 }, () => ({ url: 'https://example.com' })))).toContain('at most 10');
    expect(hookTargetsProblem('nope')).toContain('list');
  });
});
