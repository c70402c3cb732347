import { useState } from 'preact/hooks';

interface Props {
  /** The button's text, and what it does. */
  label: string;
  /** The question asked before a destructive action. */
  question: string;
  onConfirm: () => void;
  disabled?: boolean;
  testId?: string;
}

/**
 * A destructive action asked twice: the first press turns the button into a question with
 * Confirm / Keep, in place (no modal, so keyboard focus stays where it was).
 */
export function ConfirmButton({ label, question, onConfirm, disabled, testId }: Props) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" class="danger" disabled={disabled} onClick={() => setAsking(true)} data-testid={testId}>
        {label}
      </button>
    );
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        class="danger"
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
        data-testid={testId && `${testId}-confirm`}
      >
        Confirm
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
