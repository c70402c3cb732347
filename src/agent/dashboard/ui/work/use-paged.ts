import { useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../../../../../client/index.js';
import { describeError } from '../format.js';
import { useThrottled } from '../use-load.js';

export interface Paged<T> {
  rows: T[];
  loading: boolean;
  error: string | null;
  /** More pages after the rows shown. */
  more: boolean;
  loadMore: () => void;
  /** Reads the first page again (throttled): its rows go on top in its order, the older pages stay below. */
  refresh: () => void;
  /** Changes rows in place (a live event's news), against the rows as last set, not as last rendered. */
  update: (change: (rows: T[]) => T[]) => void;
  has: (id: string) => boolean;
}

/**
 * How a row read again meets the row shown: `fresh` was read by a request that may have left before
 * the live events that made `shown`. The default takes the read.
 */
export type MergeRow<T> = (fresh: T, shown: T) => T;

/**
 * A cursor-paginated list ("Load more"), read again from the first page whenever `key` changes,
 * and refreshed in place by `refresh` (for live events): rows keep their place below the first page.
 * `load` null: nothing to read (the list is empty, e.g. until its filters are valid).
 */
export function usePaged<T extends { id: string }>(
  load: ((cursor?: string) => Promise<Page<T>>) | null,
  key: string,
  refreshMs = 1000,
  merge: MergeRow<T> = (fresh) => fresh,
): Paged<T> {
  const [shown, setShown] = useState<T[]>([]);
  // NOTE: merges read the rows as last set: two answers arriving before a render must not undo each other.
  const rows = useRef(shown);
  const setRows = (next: T[] | ((current: T[]) => T[])) => {
    rows.current = typeof next === 'function' ? next(rows.current) : next;
    setShown(rows.current);
  };
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  /** Bumped whenever `key` changes: answers for an older key are dropped. */
  const generation = useRef(0);
  const latest = useRef(load);
  latest.current = load;

  useEffect(() => {
    const mine = ++generation.current;
    setRows([]);
    setCursor(null);
    setError(null);
    const read = latest.current;
    if (!read) return setLoading(false);
    setLoading(true);
    read().then(
      (page) => {
        if (mine !== generation.current) return;
        setRows(page.data);
        setCursor(page.next_cursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(describeError(e));
        setLoading(false);
      },
    );
  }, [key]);

  const refresh = useThrottled(() => {
    const read = latest.current;
    if (!read) return;
    const mine = generation.current;
    read().then(
      (page) => {
        if (mine !== generation.current) return;
        const fresh = new Set(page.data.map((r) => r.id));
        setRows((current) => {
          const shownById = new Map(current.map((r) => [r.id, r]));
          const merged = page.data.map((r) => {
            const was = shownById.get(r.id);
            return was ? merge(r, was) : r;
          });
          return [...merged, ...current.filter((r) => !fresh.has(r.id))];
        });
        setCursor((c) => c ?? page.next_cursor);
        setError(null);
      },
      (e: unknown) => mine === generation.current && setError(describeError(e)),
    );
  }, refreshMs);

  const loadMore = () => {
    const read = latest.current;
    if (!read || !cursor) return;
    const mine = generation.current;
    setLoading(true);
    read(cursor).then(
      (page) => {
        if (mine !== generation.current) return;
        setRows((current) => {
          const known = new Set(current.map((r) => r.id));
          return [...current, ...page.data.filter((r) => !known.has(r.id))];
        });
        setCursor(page.next_cursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(describeError(e));
        setLoading(false);
      },
    );
  };

  return {
    rows: shown,
    loading,
    error,
    more: cursor !== null,
    loadMore,
    refresh,
    update: setRows,
    has: (id) => rows.current.some((r) => r.id === id),
  };
}
