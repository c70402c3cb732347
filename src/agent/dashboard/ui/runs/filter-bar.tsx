import { useEffect, useRef, useState } from 'preact/hooks';
import type { ExecutionStatus } from '../../../../../client/index.js';
import { fromLocalInput, PARKED, STATUSES, toLocalInput, type RunQuery } from './run-query.js';

type TextKey = Exclude<keyof RunQuery, 'statuses' | 'from' | 'to'>;

/** `more`: shown once asked for (or set), so a narrow screen sees the list soon. */
const TEXT_FILTERS: { key: TextKey; label: string; placeholder: string; more?: boolean }[] = [
  { key: 'agentType', label: 'Agent type', placeholder: 'any' },
  { key: 'userId', label: 'User', placeholder: 'any' },
  { key: 'id', label: 'Id or prefix', placeholder: '0193a…' },
  { key: 'metadata', label: 'Metadata (JSON)', placeholder: '{"team": "ops"}' },
  { key: 'conversationId', label: 'Conversation', placeholder: 'id', more: true },
  { key: 'pipelineId', label: 'Pipeline', placeholder: 'id', more: true },
  { key: 'parentExecutionId', label: 'Parent run', placeholder: 'id', more: true },
];
const MORE_KEYS = ['conversationId', 'pipelineId', 'parentExecutionId', 'from', 'to'] as const;

const TYPING_MS = 400;
const testId = (key: string) => `filter-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * The run list's filters. Choices apply at once; typed text once typing pauses. The URL holds the
 * applied filters (`onChange` writes it); the text boxes keep what is being typed meanwhile.
 */
export function FilterBar({ query, agentTypes, onChange }: { query: RunQuery; agentTypes: string[]; onChange: (q: RunQuery) => void }) {
  const [draft, setDraft] = useState(query);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const statusBox = useRef<HTMLDetailsElement>(null);
  const moreSet = MORE_KEYS.filter((k) => query[k]).length;
  const [more, setMore] = useState(moreSet > 0);
  const showMore = more || moreSet > 0;
  // The status list closes as a menu does: on Escape (focus back on its button) and on a click elsewhere.
  useEffect(() => {
    const outside = (e: MouseEvent) => {
      const box = statusBox.current;
      if (box?.open && !box.contains(e.target as Node)) box.open = false;
    };
    document.addEventListener('click', outside);
    return () => document.removeEventListener('click', outside);
  }, []);
  // The URL changed (a link, back, a choice): the boxes show it.
  const applied = JSON.stringify(query);
  useEffect(() => setDraft(query), [applied]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const apply = (next: RunQuery, wait = 0) => {
    setDraft(next);
    if (timer.current) clearTimeout(timer.current);
    timer.current = wait ? setTimeout(() => onChange(next), wait) : null;
    if (!wait) onChange(next);
  };
  const toggle = (status: ExecutionStatus, on: boolean) =>
    apply({ ...draft, statuses: STATUSES.filter((s) => (s === status ? on : draft.statuses.includes(s))) });
  const parkedOnly = draft.statuses.length === PARKED.length && PARKED.every((s) => draft.statuses.includes(s));
  const summary = draft.statuses.length === 0 ? 'any' : parkedOnly ? 'parked' : draft.statuses.join(', ');

  return (
    <form class="filters run-filters" role="search" aria-label="Filter runs" onSubmit={(e) => (e.preventDefault(), apply(draft))}>
      <div class="field">
        <span class="field-label" id="status-filter-label">
          Status
        </span>
        <details
          class="multi"
          ref={statusBox}
          data-testid="filter-status"
          onKeyDown={(e) => {
            if (e.key !== 'Escape' || !e.currentTarget.open) return;
            e.currentTarget.open = false;
            e.currentTarget.querySelector('summary')?.focus();
          }}
        >
          <summary aria-labelledby="status-filter-label status-filter-value">
            <span id="status-filter-value">{summary}</span>
          </summary>
          <div class="multi-options">
            <div class="multi-shortcuts">
              <button
                type="button"
                aria-pressed={parkedOnly}
                onClick={() => apply({ ...draft, statuses: parkedOnly ? [] : [...PARKED] })}
                data-testid="filter-parked"
              >
                Parked
              </button>
              <button type="button" onClick={() => apply({ ...draft, statuses: [] })} disabled={draft.statuses.length === 0}>
                Any
              </button>
            </div>
            {STATUSES.map((s) => (
              <label class="check">
                <input
                  type="checkbox"
                  checked={draft.statuses.includes(s)}
                  onChange={(e) => toggle(s, e.currentTarget.checked)}
                  data-testid={`filter-status-${s}`}
                />
                {s}
              </label>
            ))}
          </div>
        </details>
      </div>
      {agentTypes.length > 0 && (
        <label>
          Agent type
          <select
            value={draft.agentType}
            onChange={(e) => apply({ ...draft, agentType: e.currentTarget.value })}
            data-testid="filter-agent-type-select"
          >
            <option value="">any</option>
            {[...new Set([...agentTypes, ...(draft.agentType ? [draft.agentType] : [])])].map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
      )}
      {TEXT_FILTERS.filter((f) => (f.key !== 'agentType' || agentTypes.length === 0) && (!f.more || showMore)).map((f) => (
        <label>
          {f.label}
          <input
            type="text"
            value={draft[f.key]}
            placeholder={f.placeholder}
            spellcheck={false}
            autocomplete="off"
            onInput={(e) => apply({ ...draft, [f.key]: e.currentTarget.value }, TYPING_MS)}
            data-testid={testId(f.key)}
          />
        </label>
      ))}
      {showMore &&
        (['from', 'to'] as const).map((key) => (
          <label>
            {key === 'from' ? 'Created from' : 'Created before'}
            <input
              type="datetime-local"
              value={toLocalInput(draft[key])}
              onChange={(e) => apply({ ...draft, [key]: fromLocalInput(e.currentTarget.value) })}
              data-testid={`filter-${key}`}
            />
          </label>
        ))}
      <div class="more-filters">
        <button type="button" aria-expanded={showMore} disabled={moreSet > 0} onClick={() => setMore(!more)} data-testid="more-filters">
          {showMore ? 'Fewer filters' : 'More filters'}
        </button>
      </div>
    </form>
  );
}
