import type { StatsWindow } from '../../../../../client/index.js';

const WINDOWS: { value: StatsWindow; label: string }[] = [
  { value: 'hour', label: 'Last hour' },
  { value: 'day', label: 'Last day' },
  { value: 'week', label: 'Last week' },
];

/** The charts' time window, as a group of toggle buttons. */
export function WindowPicker({ value, onChange }: { value: StatsWindow; onChange: (window: StatsWindow) => void }) {
  return (
    <div class="segmented" role="group" aria-label="Time window">
      {WINDOWS.map((w) => (
        <button type="button" aria-pressed={w.value === value} onClick={() => onChange(w.value)} data-testid={`window-${w.value}`}>
          {w.label}
        </button>
      ))}
    </div>
  );
}
