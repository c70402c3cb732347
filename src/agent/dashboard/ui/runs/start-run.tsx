import { useState } from 'preact/hooks';
import type { AgentType } from '../../../../../client/index.js';
import { describeError } from '../format.js';
import { href } from '../route.js';
import { useClient } from '../use-load.js';

/** An example input for a type: from its schema's properties when it has some, else an empty object. */
function exampleInput(type: AgentType | undefined): string {
  if (type?.name === 'steps') return '{ "steps": 5, "step_ms": 500 }';
  const properties = (type?.input_schema?.properties ?? {}) as Record<string, { type?: string }>;
  const example = Object.fromEntries(Object.entries(properties).map(([k, p]) => [k, p.type === 'number' || p.type === 'integer' ? 0 : '']));
  return JSON.stringify(example);
}

/**
 * Starts a run as the signed-in admin (through the user route, like any caller), then opens it.
 * A small form, folded away: the dashboard is for watching runs more than for starting them.
 */
export function StartRun({ types }: { types: AgentType[] }) {
  const client = useClient();
  const [agentType, setAgentType] = useState('');
  const chosen = agentType || types[0]?.name || '';
  const [input, setInput] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const text = input ?? exampleInput(types.find((t) => t.name === chosen));

  const submit = (event: Event) => {
    event.preventDefault();
    setError('');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text || 'null');
    } catch {
      setError('The input must be JSON.');
      return;
    }
    setBusy(true);
    client.start(chosen, parsed).then(
      (execution) => (location.hash = href.run(execution.id)),
      (e: unknown) => {
        setError(describeError(e));
        setBusy(false);
      },
    );
  };

  return (
    <details class="start-run">
      <summary>Start a run</summary>
      <form onSubmit={submit} data-testid="start-form" class="start-form">
        <label>
          Agent type
          <select
            value={chosen}
            onChange={(e) => {
              setAgentType(e.currentTarget.value);
              setInput(null);
            }}
            data-testid="start-agent-type"
          >
            {types.map((t) => (
              <option value={t.name}>{t.name}</option>
            ))}
          </select>
        </label>
        <label>
          Input (JSON)
          <textarea rows={3} spellcheck={false} value={text} onInput={(e) => setInput(e.currentTarget.value)} data-testid="start-input" />
        </label>
        <div class="row">
          <button type="submit" class="primary" disabled={busy || !chosen}>
            Start
          </button>
          <span class="error" role="alert" data-testid="start-error">
            {error}
          </span>
        </div>
      </form>
    </details>
  );
}
