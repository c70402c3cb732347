import { randomBytes } from 'node:crypto';

/**
 * RFC 9562 UUID version 7: a millisecond timestamp then randomness, so ids sort by creation time
 * and serve as the list cursor.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The largest millisecond timestamp a UUIDv7 holds (48 bits). */
const MAX_UUIDV7_MS = 2 ** 48 - 1;

/**
 * The smallest UUIDv7 of millisecond `ms`: every id created at or after `ms` sorts at or above it,
 * every id created before it below, so a time range over creation is an id range (on the primary key
 * or any index ending in the id).
 */
export function uuidv7Floor(ms: number): string {
  const clamped = Math.min(MAX_UUIDV7_MS, Math.max(0, Math.floor(ms)));
  const hex = clamped.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
