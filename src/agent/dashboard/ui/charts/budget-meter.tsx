interface Props {
  /** What is counted: "USD", "Tokens". */
  kind: string;
  /** What the budget is of, for the meter's accessible name ("Tenant budget, USD"). */
  label: string;
  limit: number;
  spent: number;
  reserved: number;
  format: (value: number) => string;
  testId?: string;
}

/** Past this share of its limit, a budget is drawn as near it (the server's alert has its own threshold). */
const NEAR = 0.8;

/**
 * A budget's use as a bar: what was spent, and on top what running executions have reserved, against
 * the limit. A `meter` for assistive technology, its value and text saying the same as the figures
 * beside it; the colour is never the only cue.
 */
export function BudgetMeter({ kind, label, limit, spent, reserved, format, testId }: Props) {
  const used = spent + reserved;
  const ratio = limit > 0 ? used / limit : used > 0 ? Infinity : 0;
  const share = (value: number) => `${limit > 0 ? Math.min(100, (value / limit) * 100) : 0}%`;
  const text = `${format(spent)} spent + ${format(reserved)} reserved of ${format(limit)} (${
    Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : 'no limit left'
  })`;
  const level = ratio >= 1 ? 'over' : ratio >= NEAR ? 'near' : 'ok';
  return (
    <div class="budget" data-testid={testId}>
      <div class="budget-kind" aria-hidden="true">
        {kind}
      </div>
      <div
        class={`meter meter-${level}`}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(used, limit)}
        aria-valuetext={text}
      >
        <span class="meter-spent" style={{ width: share(spent) }} />
        <span class="meter-reserved" style={{ width: share(Math.min(reserved, Math.max(0, limit - spent))) }} />
      </div>
      <div class="meter-text">
        {text}
        {level === 'over' ? ' — at the limit' : level === 'near' ? ' — near the limit' : ''}
      </div>
    </div>
  );
}
