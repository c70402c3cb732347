import type { JsonValue } from '../../../../../client/index.js';
import { JsonView } from '../components/json-view.js';

type Part = { type?: string; text?: string; toolName?: string; input?: JsonValue; output?: JsonValue };

/**
 * A stored message's content (a string, or the model's message parts) as text and tool parts;
 * anything else as JSON.
 */
export function MessageContent({ content }: { content: JsonValue }) {
  if (typeof content === 'string') return <div class="msg-text">{content}</div>;
  if (!Array.isArray(content)) return <JsonView value={content} label="Message content" />;
  return (
    <>
      {(content as Part[]).map((part) => {
        if (part?.type === 'text') return <div class="msg-text">{part.text}</div>;
        if (part?.type === 'tool-call')
          return (
            <div class="tool-call">
              <span class="muted">calls</span> <strong>{part.toolName}</strong>
              <JsonView value={part.input} label={`${part.toolName ?? 'tool'} arguments`} />
            </div>
          );
        if (part?.type === 'tool-result')
          return (
            <div class="tool-result">
              <span class="muted">result of</span> <strong>{part.toolName}</strong>
              <JsonView value={part.output} label={`${part.toolName ?? 'tool'} result`} />
            </div>
          );
        return <JsonView value={part as JsonValue} label="Message part" />;
      })}
    </>
  );
}
