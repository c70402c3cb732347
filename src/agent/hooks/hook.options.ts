import { isPositiveInt } from '../errors/option-checks.js';

export interface HookOptions {
  /**
   * The signing secret per tenant (a string for every tenant, or a lookup). Standard Webhooks
   * style: `whsec_<base64>` is decoded, any other string is used as it is. A tenant without a
   * secret gets no delivery (recorded as failed).
   */
  secret?: string | ((tenantId: string) => string | null | undefined | Promise<string | null | undefined>);
  /** Let hooks call private, loopback and link-local addresses (default false: refused, SSRF). */
  allowPrivateTargets?: boolean;
  /** Deliver from this process (default true); every node may: deliveries are claimed in PostgreSQL. */
  deliver?: boolean;
  /** How often a node looks for deliveries due (default 1000 ms); an execution's end on this node looks at once. */
  pollIntervalMs?: number;
  /** Attempts before a delivery is given up as `failed` (default 8). */
  maxAttempts?: number;
  /** Backoff before attempt n+1: `min(maxDelayMs, baseDelayMs × 2^(n-1))`, with full jitter (defaults 1000 / 3,600,000 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A call that has not answered in this long failed (default 10,000 ms). */
  timeoutMs?: number;
}

export interface ResolvedHookOptions {
  hooks: Required<Omit<HookOptions, 'secret'>> & { secretFor: (tenantId: string) => Promise<string | null> };
}

export function resolveHookOptions(input: HookOptions | undefined, problems: string[]): ResolvedHookOptions {
  const o = input ?? {};
  const resolved = {
    allowPrivateTargets: o.allowPrivateTargets ?? false,
    deliver: o.deliver ?? true,
    pollIntervalMs: o.pollIntervalMs ?? 1000,
    maxAttempts: o.maxAttempts ?? 8,
    baseDelayMs: o.baseDelayMs ?? 1000,
    maxDelayMs: o.maxDelayMs ?? 3_600_000,
    timeoutMs: o.timeoutMs ?? 10_000,
  };
  for (const key of ['allowPrivateTargets', 'deliver'] as const) {
    if (typeof resolved[key] !== 'boolean') problems.push(`hooks.${key} must be a boolean`);
  }
  for (const key of ['pollIntervalMs', 'maxAttempts', 'baseDelayMs', 'maxDelayMs', 'timeoutMs'] as const) {
    if (!isPositiveInt(resolved[key])) problems.push(`hooks.${key} must be a positive integer`);
  }
  const secret = o.secret;
  if (secret !== undefined && typeof secret !== 'function' && (typeof secret !== 'string' || secret.length === 0)) {
    problems.push('hooks.secret must be a non-empty string or a function of the tenant id');
  }
  return {
    hooks: {
      ...resolved,
      secretFor: async (tenantId) => (typeof secret === 'function' ? await secret(tenantId) : secret) || null,
    },
  };
}
