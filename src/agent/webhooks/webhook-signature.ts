import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
}

/**
 * `x-agents-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, with the
 * timestamp (unix seconds) within `toleranceSeconds` of now. Compared in constant time.
 */
export function isValidSignature(request: SignedRequest, secret: string, toleranceSeconds: number, nowMs = Date.now()): boolean {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature?.startsWith('sha256=')) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, timestamp, rawBody), 'hex');
  const given = Buffer.from(signature.slice('sha256='.length), 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The hex HMAC a sender puts after `sha256=`. */
export function sign(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}
