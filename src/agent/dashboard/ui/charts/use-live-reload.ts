import { useEffect, useRef } from 'preact/hooks';
import { useLive } from '../live.js';
import { useThrottled } from '../use-load.js';

interface Timing {
  /** At most one read per this, however busy the feed (and one more after a burst). */
  throttleMs?: number;
  /** One more read this long after the last event: the server's rollup counts an event a few seconds after it happened. */
  settleMs?: number;
  /** And one every this long while the tab is visible: the window slides, and queue depth moves with no event of this tenant. */
  everyMs?: number;
}

/**
 * Reads a statistics view again as the tenant's runs move: on status and step events (throttled),
 * once more when the events have settled, on every (re)connection, and now and then while the tab is
 * visible.
 */
export function useLiveReload(reload: () => void, { throttleMs = 2_500, settleMs = 6_000, everyMs = 15_000 }: Timing = {}): void {
  const throttled = useThrottled(reload, throttleMs);
  const settle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onEvent = () => {
    throttled();
    if (settle.current) clearTimeout(settle.current);
    settle.current = setTimeout(throttled, settleMs);
  };
  useLive('status', onEvent);
  useLive('step', onEvent);
  useLive('connect', throttled);
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === 'visible' && throttled(), everyMs);
    return () => {
      clearInterval(timer);
      if (settle.current) clearTimeout(settle.current);
    };
  }, [throttled, everyMs]);
}
