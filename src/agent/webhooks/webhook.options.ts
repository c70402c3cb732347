import { isPositiveInt } from '../errors/option-checks.js';

export interface WebhookOptions {
  /** Mount `POST /webhooks/agent-trigger` (default true); `false` leaves webhooks out. */
  enabled?: boolean;
  /**
   * HMAC secret per tenant for `POST /webhooks/agent-trigger`: a map, or a function (e.g. a
   * lookup in the host app's store). No secret for a tenant = its webhooks are refused.
   */
  secrets?: Record<string, string> | ((tenantId: string) => string | null | undefined | Promise<string | null | undefined>);
  /** Timestamps further than this from now are refused (default 300 s). */
  toleranceSeconds?: number;
}

export interface ResolvedWebhookOptions {
  webhooks: { secretFor: (tenantId: string) => Promise<string | null>; toleranceSeconds: number };
  features: { webhooks: boolean };
}

export function resolveWebhookOptions(input: WebhookOptions | undefined, problems: string[]): ResolvedWebhookOptions {
  const toleranceSeconds = input?.toleranceSeconds ?? 300;
  if (!isPositiveInt(toleranceSeconds)) problems.push('webhooks.toleranceSeconds must be a positive integer');
  const secrets = input?.secrets ?? {};
  const isSecret = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (typeof secrets !== 'function' && (typeof secrets !== 'object' || !Object.values(secrets).every(isSecret))) {
    problems.push('webhooks.secrets must map tenant ids to non-empty strings, or be a function');
  }
  const enabled = input?.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push('webhooks.enabled must be a boolean');
  return {
    webhooks: {
      secretFor: async (tenantId) =>
        (typeof secrets === 'function' ? await secrets(tenantId) : Object.hasOwn(secrets, tenantId) ? secrets[tenantId] : null) ?? null,
      toleranceSeconds,
    },
    features: { webhooks: enabled },
  };
}
