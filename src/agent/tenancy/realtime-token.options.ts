import { isPositiveInt } from '../errors/option-checks.js';

/** The realtime tokens' part of the `realtime` options (the gateway's is in `realtime/`). */
export interface RealtimeTokenOptions {
  /**
   * Signs the short-lived tokens of `GET /api/agents/realtime-token`. Every API node must share
   * it; without one, each process makes its own and tokens only work on the node that issued them.
   */
  tokenSecret?: string;
  /** Lifetime of a realtime token (default 300 s): it is only checked at the socket handshake. */
  tokenTtlSeconds?: number;
}

export interface ResolvedRealtimeTokenOptions {
  realtime: { tokenSecret: string | null; tokenTtlSeconds: number };
}

export function resolveRealtimeTokenOptions(
  input: RealtimeTokenOptions | undefined,
  problems: string[],
): ResolvedRealtimeTokenOptions['realtime'] {
  const tokenSecret = input?.tokenSecret ?? null;
  if (tokenSecret !== null && (typeof tokenSecret !== 'string' || tokenSecret.length < 16)) {
    problems.push('realtime.tokenSecret must be a string of at least 16 characters');
  }
  const tokenTtlSeconds = input?.tokenTtlSeconds ?? 300;
  if (!isPositiveInt(tokenTtlSeconds)) problems.push('realtime.tokenTtlSeconds must be a positive integer');
  return { tokenSecret, tokenTtlSeconds };
}
