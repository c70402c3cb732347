import { useEffect, useRef, useState } from 'preact/hooks';
import type { TranscriptEntry } from '../../../../../client/index.js';
import { JsonView } from '../components/json-view.js';
import { Problem } from '../components/empty.js';
import { describeError, time } from '../format.js';
import { useClient, useThrottled } from '../use-load.js';

const PAGE = 200;
/** Messages kept on the page; older ones are a reload away. */
const KEPT = 1000;

function Entry({ entry }: { entry: TranscriptEntry }) {
  const empty = !entry.text && entry.tool_calls.length === 0 && entry.tool_results.length === 0;
  return (
    <li class={`msg msg-${entry.role}`} data-testid="transcript-entry" data-role={entry.role}>
      <div class="msg-head">
        <strong>{entry.role}</strong>{' '}
        <span class="muted">
          #{entry.seq} · {time(entry.created_at)}
        </span>
      </div>
      {entry.text && <div class="msg-text">{entry.text}</div>}
      {entry.tool_calls.map((call) => (
        <div class="tool-call" data-testid="transcript-tool-call">
          <span class="muted">calls</span> <strong>{call.tool_name}</strong>
          <JsonView value={call.input} label={`${call.tool_name} arguments`} />
        </div>
      ))}
      {entry.tool_results.map((result) => (
        <div class={`tool-result ${result.is_error ? 'is-error' : ''}`} data-testid="transcript-tool-result">
          <span class="muted">{result.is_error ? 'error from' : 'result of'}</span> <strong>{result.tool_name}</strong>
          <JsonView value={result.output} label={`${result.tool_name} result`} />
        </div>
      ))}
      {empty && <JsonView value={entry.content} label="Message content" />}
    </li>
  );
}

/**
 * The run's messages, oldest first: text, tool calls with their arguments, tool results. New
 * messages are read after each step (throttled); the step in flight's model output streams below.
 */
export function Transcript({
  runId,
  progress,
  streaming,
}: {
  runId: string;
  progress: number;
  streaming: { step: number; text: string } | null;
}) {
  const client = useClient();
  const [entries, setEntries] = useState<TranscriptEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const last = useRef(0);
  const busy = useRef(false);
  const again = useRef(false);

  /** Reads every message after the last one shown, page after page (once more if asked meanwhile). */
  const readNew = async () => {
    if (busy.current) return void (again.current = true);
    busy.current = true;
    try {
      do {
        again.current = false;
        for (;;) {
          const page = await client.admin.transcript(runId, { cursor: last.current, limit: PAGE });
          if (page.data.length > 0) {
            last.current = page.data.at(-1)!.seq;
            setEntries((all) => [...all, ...page.data].slice(-KEPT));
          }
          if (!page.next_cursor) break;
        }
      } while (again.current);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    } finally {
      busy.current = false;
    }
  };
  const follow = useThrottled(() => void readNew(), 800);
  // NOTE: the view is keyed by the run: another run is another component.
  useEffect(follow, [progress]);

  return (
    <div class="transcript">
      <Problem error={error} />
      {entries.length === 0 && !streaming && <p class="muted">No messages yet.</p>}
      <ol data-testid="transcript">
        {entries.map((entry) => (
          <Entry key={entry.seq} entry={entry} />
        ))}
      </ol>
      {streaming && (
        <div class="msg msg-streaming" aria-live="polite" data-testid="live-output">
          <div class="msg-head">
            <strong>assistant</strong> <span class="muted">step {streaming.step}, streaming…</span>
          </div>
          <div class="msg-text">{streaming.text}</div>
        </div>
      )}
    </div>
  );
}
