import type { AgentMessage } from '../../runtime/agent-state.js';
import type { JsonValue } from '../../runtime/json.js';
import type { NextState } from '../../runtime/step-transition.js';

/** The text of an assistant message's content: a string, or its `{ type: 'text', text }` parts. */
function textOfContent(content: JsonValue): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      part && typeof part === 'object' && !Array.isArray(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

/**
 * What a step that streamed no token said (a custom agent's answer): its assistant messages' text,
 * else the output it completed with (a string as is, anything else as JSON). Written on its
 * `step_completed` row so a chat stream shows it as text, live and in a replay alike.
 */
export function unstreamedText(messages: readonly AgentMessage[], next: NextState): string {
  const said = messages
    .filter((m) => m.role === 'assistant')
    .map((m) => textOfContent(m.content))
    .filter((text) => text !== '')
    .join('\n\n');
  if (said !== '' || next.kind !== 'completed' || next.output === null || next.output === undefined) return said;
  return typeof next.output === 'string' ? next.output : JSON.stringify(next.output);
}
