import { useEffect, useRef, useState } from 'preact/hooks';
import { isTerminalStatus, type AdminExecution, type Log, type StatusEvent } from '../../../../../client/index.js';
import { describeError } from '../format.js';
import { useLive } from '../live.js';
import { useClient, useThrottled } from '../use-load.js';

/** Logs kept in the page; the oldest go first (the API keeps them all). */
const KEPT_LOGS = 2000;
const ROW_REFRESH_MS = 1000;

export interface RunFeed {
  run: AdminExecution | null;
  error: string | null;
  /** Trouble with the live updates (they retry by themselves). */
  liveError: string | null;
  /** The run's logs, oldest first, as they arrive. */
  logs: Log[];
  /** Model output of the step in flight, streamed (never stored: a reload starts it over). */
  streaming: { step: number; text: string } | null;
  /** Goes up with every step and status change: what panels read again (throttled) to follow the run. */
  progress: number;
  /** Reads the run's row again now (after an action). */
  reload: () => void;
}

/**
 * One run, followed live: the row once, then `client.admin.subscribe`, which replays the run's
 * logs and keeps delivering each step, status change, log and streamed token. Counters change
 * from the events at once; the row (cost, output, pending approvals) is read again, throttled.
 */
export function useRun(id: string): RunFeed {
  const client = useClient();
  const [run, setRun] = useState<AdminExecution | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [logs, setLogs] = useState<Log[]>([]);
  const [streaming, setStreaming] = useState<RunFeed['streaming']>(null);
  const [progress, setProgress] = useState(0);
  const current = useRef(id);
  current.current = id;

  const readRow = () => {
    const asked = id;
    client.admin.get(asked).then(
      (fresh) => {
        if (current.current !== asked) return;
        // NOTE: a row read before the last status event may be older than what the events said.
        setRun((known) =>
          known && isTerminalStatus(known.status) && !isTerminalStatus(fresh.status) ? { ...fresh, status: known.status } : fresh,
        );
        setError(null);
      },
      (e: unknown) => current.current === asked && setError(describeError(e)),
    );
  };
  const refreshRow = useThrottled(readRow, ROW_REFRESH_MS);

  useEffect(() => {
    setRun(null);
    setError(null);
    setLiveError(null);
    setLogs([]);
    setStreaming(null);
    readRow();
    const onStatus = (e: StatusEvent) => {
      setRun(
        (r) =>
          r && {
            ...r,
            status: e.status,
            step_count: Math.max(r.step_count, e.step_count),
            token_usage: Math.max(r.token_usage, e.token_usage),
            completed_at: e.completed_at ?? r.completed_at,
            error: e.error ?? r.error,
          },
      );
      setProgress((p) => p + 1);
      if (isTerminalStatus(e.status)) setStreaming(null);
      refreshRow();
    };
    const subscription = client.admin.subscribe(id, {
      onStatus,
      onStep: (e) => {
        setRun((r) => r && { ...r, step_count: Math.max(r.step_count, e.step_number) });
        setStreaming((s) => (s && s.step <= e.step_number ? null : s));
        setProgress((p) => p + 1);
        refreshRow();
      },
      onLog: (log) => {
        setLogs((all) => (all.length >= KEPT_LOGS ? [...all.slice(all.length - KEPT_LOGS + 1), log] : [...all, log]));
        // A tool call asked for or decided: the pending list is the row's.
        if (log.event_type.startsWith('tool.approval_')) refreshRow();
      },
      onToken: (e) =>
        setStreaming((s) =>
          s && s.step === e.step_number ? { step: s.step, text: s.text + e.text } : { step: e.step_number, text: e.text },
        ),
      onError: (e) => setLiveError(e.message),
    });
    return () => subscription.close();
  }, [id]);

  // The feed's reconnect: the subscription catches itself up; the row is read again.
  useLive('connect', refreshRow);

  return { run, error, liveError, logs, streaming, progress, reload: readRow };
}
