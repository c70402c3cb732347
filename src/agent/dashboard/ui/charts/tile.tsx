import type { ComponentChildren } from 'preact';

interface Props {
  label: string;
  value: ComponentChildren;
  /** A detail under the value (a second figure, a unit). */
  note?: string;
  /** Where a click goes: the runs behind the number. */
  href?: string;
  testId?: string;
}

/** One figure with its label; a link when there is a list behind it. */
export function Tile({ label, value, note, href, testId }: Props) {
  const body = (
    <>
      <div class="value" data-testid={testId && `${testId}-value`}>
        {value}
      </div>
      <div class="label">{label}</div>
      {note && <div class="note">{note}</div>}
    </>
  );
  return href ? (
    <a class="tile link" href={href} data-testid={testId}>
      {body}
    </a>
  ) : (
    <div class="tile" data-testid={testId}>
      {body}
    </div>
  );
}
