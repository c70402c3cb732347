import { AgentsApiError } from '../../../../client/index.js';

export const time = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleTimeString() : '—');
export const dateTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
export const usd = (n: number | null | undefined): string => `$${(n ?? 0).toFixed(4)}`;
export const count = (n: number | null | undefined): string => (n ?? 0).toLocaleString();
export const shortId = (id: string): string => id.slice(-8);

/** What to tell the admin about a failed call. */
export function describeError(error: unknown): string {
  if (error instanceof AgentsApiError) return `${error.message} (${error.statusCode})`;
  return error instanceof Error ? error.message : String(error);
}
