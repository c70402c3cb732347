import { useEffect, useState } from 'preact/hooks';

/** How long typing pauses before the filter applies: one request per name, not one per letter. */
const APPLY_AFTER_MS = 400;

/** A list's "User" filter: the text as typed, applied (trimmed) once typing pauses. */
export function UserFilter({ testId, onApply }: { testId: string; onApply: (userId: string) => void }) {
  const [text, setText] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => onApply(text.trim()), APPLY_AFTER_MS);
    return () => clearTimeout(timer);
  }, [text, onApply]);
  return (
    <label>
      User
      <input type="text" value={text} placeholder="any" onInput={(e) => setText(e.currentTarget.value)} data-testid={testId} />
    </label>
  );
}
