import type { JsonValue } from '../../../../../client/index.js';

/** A JSON value, pretty-printed as text (never as markup), scrollable when long. */
export function JsonView({ value, label, testId }: { value: JsonValue | unknown; label: string; testId?: string }) {
  const text = value === undefined ? '—' : JSON.stringify(value, null, 2);
  return (
    <pre class="json" aria-label={label} tabIndex={0} data-testid={testId}>
      {text}
    </pre>
  );
}
