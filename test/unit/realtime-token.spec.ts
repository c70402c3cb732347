import { describe, expect, it } from 'vitest';
import { resolveAgentOptions } from '../../src/agent/agent.options.js';
import { SubscribeThrottle } from '../../src/agent/realtime/subscribe-throttle.js';
import { RealtimeTokenService } from '../../src/agent/tenancy/realtime-token.service.js';

const options = (tokenSecret: string) =>
  resolveAgentOptions({
    database: { url: 'postgres://x/y' },
    transport: 'postgres',
    resolvePrincipal: () => null,
    realtime: { tokenSecret, tokenTtlSeconds: 60 },
  });
const principal = { tenantId: 't1', userId: 'u1', tier: 'pro', roles: ['admin'] };

describe('RealtimeTokenService', () => {
  const tokens = new RealtimeTokenService(options('a-secret-of-32-characters-length'));

  it('round-trips a principal until the token expires', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    const { token, expires_at } = tokens.issue(principal, now);
    expect(expires_at).toBe('2026-11-24T10:01:00.000Z');
    expect(tokens.verify(token, now + 59_000)).toEqual(principal);
    expect(tokens.verify(token, now + 61_000)).toBeNull();
  });

  it('refuses tampered, foreign and malformed tokens', () => {
    const { token } = tokens.issue(principal);
    const [body, signature] = token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ t: 't2', u: 'u1', tier: 'pro', r: ['admin'], exp: 9e9 })).toString('base64url');
    expect(tokens.verify(`${forgedBody}.${signature}`)).toBeNull();
    expect(tokens.verify(new RealtimeTokenService(options('another-secret-of-32-characters')).issue(principal).token)).toBeNull();
    for (const bad of [undefined, 42, '', 'abc', `${body}.`, `.${signature}`, 'x'.repeat(5000)]) expect(tokens.verify(bad)).toBeNull();
  });
});

describe('SubscribeThrottle', () => {
  it('allows `limit` calls per window, then again once the window has moved on', () => {
    const throttle = new SubscribeThrottle(3, 1000);
    expect([0, 10, 20, 30].map((t) => throttle.take(t))).toEqual([true, true, true, false]);
    expect(throttle.take(1001)).toBe(true);
    expect(throttle.take(1002)).toBe(false);
  });
});
