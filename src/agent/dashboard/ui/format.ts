import { AgentsApiError } from '../../../../client/index.js';

export const time = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleTimeString() : '—');
export const dateTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');
export const usd = (n: number | null | undefined): string => `$${(n ?? 0).toFixed(4)}`;
export const count = (n: number | null | undefined): string => (n ?? 0).toLocaleString();
export const shortId = (id: string): string => id.slice(-8);
export const percent = (ratio: number | null | undefined): string =>
  ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)} %`;

/** 850 ms, 12.3 s, 4 min 10 s, 2 h 5 min. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** What to tell the admin about a failed call. */
export function describeError(error: unknown): string {
  if (error instanceof AgentsApiError) return `${error.message} (${error.statusCode})`;
  return error instanceof Error ? error.message : String(error);
}

/** A date and time, short: for table cells. */
export const stamp = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—';

/** `text` cut to `max` characters, with an ellipsis when cut. */
export const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
