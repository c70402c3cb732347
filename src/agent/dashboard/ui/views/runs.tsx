import { useState } from 'preact/hooks';
import { ConfirmButton } from '../components/confirm-button.js';
import { Loading, Problem } from '../components/empty.js';
import { describeError } from '../format.js';
import { href } from '../route.js';
import { FilterBar } from '../runs/filter-bar.js';
import { readRunQuery, runParams, toFilters } from '../runs/run-query.js';
import { RunTable } from '../runs/run-table.js';
import { StartRun } from '../runs/start-run.js';
import { useRunList } from '../runs/use-run-list.js';
import { useClient, useLoad } from '../use-load.js';
import '../runs/runs.css';

/** What a bulk cancel did, in a line. */
function summarize(results: { outcome: string }[]): string {
  const by = new Map<string, number>();
  for (const r of results) by.set(r.outcome, (by.get(r.outcome) ?? 0) + 1);
  return [...by].map(([outcome, n]) => `${n} ${outcome.replace('_', ' ')}`).join(', ');
}

/** `#/runs?…`: the tenant's runs, filtered by the URL, live; select to cancel in bulk, retry the failed. */
export function RunsView({ params }: { params: URLSearchParams }) {
  const client = useClient();
  const api = client.admin;
  const query = readRunQuery(params);
  const { filters, problem } = toFilters(query);
  const list = useRunList(problem ? null : filters);
  const types = useLoad(() => client.types().then((t) => t.data), []);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [retrying, setRetrying] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  const select = (ids: string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids)
        if (on) next.add(id);
        else next.delete(id);
      return next;
    });
  // Only rows still shown and unfinished count: a run that ended meanwhile drops out of the selection.
  const chosen = list.rows.filter((r) => selected.has(r.id) && !['completed', 'failed', 'cancelled'].includes(r.status)).map((r) => r.id);

  const cancelSelected = () => {
    setMessage(null);
    api.cancelMany(chosen).then(
      (result) => {
        setMessage({ text: `Bulk cancel: ${summarize(result.results)}.`, error: false });
        setSelected(new Set());
        list.refresh();
      },
      (e: unknown) => setMessage({ text: `Bulk cancel: ${describeError(e)}`, error: true }),
    );
  };
  const retry = (id: string) => {
    setMessage(null);
    setRetrying((s) => new Set(s).add(id));
    api.retry(id).then(
      (fresh) => (location.hash = href.run(fresh.id)),
      (e: unknown) => {
        setMessage({ text: `Retry: ${describeError(e)}`, error: true });
        setRetrying((s) => new Set([...s].filter((x) => x !== id)));
      },
    );
  };

  return (
    <section class="card" aria-labelledby="runs-title">
      <div class="toolbar">
        <h2 id="runs-title">Runs</h2>
        <StartRun types={types.data ?? []} />
      </div>
      <FilterBar
        query={query}
        agentTypes={(types.data ?? []).map((t) => t.name)}
        onChange={(q) => {
          setSelected(new Set());
          location.replace(href.runs(runParams(q)));
        }}
      />
      {problem && (
        <p class="error" role="alert" data-testid="filter-problem">
          {problem}
        </p>
      )}
      <div class="toolbar bulk" aria-live="polite">
        <span class="muted" data-testid="run-count">
          {list.rows.length} run{list.rows.length === 1 ? '' : 's'} shown{list.more ? ', more below' : ''}
          {chosen.length > 0 && ` · ${chosen.length} selected`}
        </span>
        <ConfirmButton
          label={`Cancel selected (${chosen.length})`}
          question={`Cancel ${chosen.length} run${chosen.length === 1 ? '' : 's'}?`}
          disabled={chosen.length === 0}
          onConfirm={cancelSelected}
          testId="bulk-cancel"
        />
      </div>
      {message && (
        <p class={message.error ? 'error' : 'notice'} role={message.error ? 'alert' : 'status'} data-testid="runs-message">
          {message.text}
        </p>
      )}
      <Problem error={list.error} />
      {list.rows.length > 0 && <RunTable rows={list.rows} selected={selected} onSelect={select} onRetry={retry} retrying={retrying} />}
      {list.loading ? (
        <Loading />
      ) : (
        list.rows.length === 0 &&
        !problem &&
        !list.error && (
          <p class="muted" data-testid="runs-empty">
            No runs match these filters.
          </p>
        )
      )}
      {list.more && !list.loading && (
        <button type="button" onClick={list.loadMore} data-testid="load-more">
          Load more
        </button>
      )}
    </section>
  );
}
