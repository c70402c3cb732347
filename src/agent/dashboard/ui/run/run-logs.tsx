import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Log } from '../../../../../client/index.js';
import { time } from '../format.js';

const LEVELS = ['debug', 'info', 'warning', 'error'] as const;
const rank = (level: string): number => Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]));
/** Rows drawn at once; the filter applies to every log kept. */
const SHOWN = 500;

/**
 * The run's logs as they arrive, filtered by level ("warning" shows warnings and errors). The box
 * follows the newest while it is scrolled to the bottom, and stays put while someone reads higher up.
 */
export function RunLogs({ logs }: { logs: Log[] }) {
  const [min, setMin] = useState<(typeof LEVELS)[number]>('debug');
  const box = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  const shown = logs.filter((l) => rank(l.level) >= rank(min));
  const drawn = shown.slice(-SHOWN);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });

  return (
    <div class="run-logs">
      <div class="row">
        <label class="inline">
          Level
          <select value={min} onChange={(e) => setMin(e.currentTarget.value as (typeof LEVELS)[number])} data-testid="log-level">
            <option value="debug">all</option>
            <option value="info">info and above</option>
            <option value="warning">warning and above</option>
            <option value="error">error</option>
          </select>
        </label>
        <span class="muted" data-testid="log-count">
          {shown.length} of {logs.length}
          {shown.length > drawn.length && ` (the last ${drawn.length} shown)`}
        </span>
      </div>
      <ol
        class="logs"
        ref={box}
        tabIndex={0}
        aria-label="Logs"
        data-testid="logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {drawn.map((l) => (
          <li key={l.id} class={`log level-${l.level}`} data-level={l.level}>
            <time dateTime={l.created_at}>{time(l.created_at)}</time> <span class="log-level">{l.level}</span>{' '}
            <span class="log-type">{l.event_type}</span> <span class="log-message">{l.message}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
