export const HookDeliveryStatus = {
  Pending: 'pending',
  Delivered: 'delivered',
  /** Given up after `hooks.maxAttempts`, or no signing secret for the tenant. */
  Failed: 'failed',
} as const;
export type HookDeliveryStatus = (typeof HookDeliveryStatus)[keyof typeof HookDeliveryStatus];
