import { createHmac } from 'node:crypto';

/**
 * The signature headers of one delivery, as Standard Webhooks defines them:
 * `webhook-id` (the delivery id, the same on every attempt: the receiver's idempotency key),
 * `webhook-timestamp` (unix seconds of this attempt) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`.
 * A `whsec_`-prefixed secret is base64 after the prefix; any other is used as its UTF-8 bytes.
 */
export function signatureHeaders(secret: string, id: string, body: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${sign(secret, id, timestamp, body)}` };
}

export function sign(secret: string, id: string, timestamp: string, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}
