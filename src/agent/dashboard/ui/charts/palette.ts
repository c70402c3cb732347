import { count } from '../format.js';

/** One colour per meaning, alike on every chart (status colours as the status badges'). */
export const COLORS = {
  started: '#2563eb',
  completed: '#16a34a',
  failed: '#dc2626',
  cancelled: '#6b7280',
  p50: '#2563eb',
  p95: '#d97706',
  input: '#7c3aed',
  output: '#c084fc',
  cost: '#0f766e',
};

/** 950, 12.5k, 3.1M: token counts on an axis. */
export const compact = (n: number): string =>
  n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${+(n / 1e3).toFixed(1)}k` : count(Math.round(n));
