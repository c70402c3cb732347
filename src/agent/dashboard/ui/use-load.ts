import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { AgentsClient } from '../../../../client/index.js';
import { describeError } from './format.js';

export const ClientContext = createContext<AgentsClient | null>(null);

export function useClient(): AgentsClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside the signed-in page');
  return client;
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  /** Reads again (keeps showing the last data meanwhile). */
  reload: () => void;
}

/**
 * Reads `load()` now and again whenever `deps` change or `reload()` is called. An answer that
 * arrives after a newer request was made is dropped, so a slow old read never overwrites a new one.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const generation = useRef(0);
  const latest = useRef(load);
  latest.current = load;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    latest.current().then(
      (data) => mine === generation.current && setState({ data, error: null, loading: false }),
      (error: unknown) => mine === generation.current && setState((s) => ({ ...s, error: describeError(error), loading: false })),
    );
  }, []);
  // NOTE: the caller's deps decide when to read again.
  useEffect(reload, deps);
  return { ...state, reload };
}

/** `fn` at most once per `ms` (and once more after the last call of a burst): for reloads driven by live events. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const again = useRef(false);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return useCallback(() => {
    if (timer.current) {
      again.current = true;
      return;
    }
    latest.current();
    const tick = () => {
      timer.current = null;
      if (again.current) {
        again.current = false;
        latest.current();
        timer.current = setTimeout(tick, ms);
      }
    };
    timer.current = setTimeout(tick, ms);
  }, [ms]);
}
