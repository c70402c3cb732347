import { describe, expect, it } from 'vitest';
import type { AgentMessageEntity } from '../../src/agent/executions/entities/agent-message.entity.js';
import { toTranscriptEntry } from '../../src/agent/executions/http/transcript.view.js';

const message = (seq: number, role: string, content: unknown) =>
  ({ id: String(seq), executionId: 'e', conversationId: null, seq, role, content, createdAt: new Date(0) }) as AgentMessageEntity;

describe('a transcript entry', () => {
  it('joins the text parts of a message and keeps its tool calls', () => {
    const entry = toTranscriptEntry(
      message(2, 'assistant', [
        { type: 'text', text: 'Looking ' },
        { type: 'reasoning', text: 'hidden' },
        { type: 'text', text: 'now.' },
        { type: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: { path: 'a.ts' } },
      ]),
    );
    expect(entry).toMatchObject({
      seq: 2,
      role: 'assistant',
      text: 'Looking now.',
      tool_calls: [{ tool_call_id: 'c1', tool_name: 'read_file', input: { path: 'a.ts' } }],
      tool_results: [],
      created_at: '1970-01-01T00:00:00.000Z',
    });
  });

  it("unwraps each kind of tool result and marks a tool's error or a denial", () => {
    const entry = toTranscriptEntry(
      message(3, 'tool', [
        { type: 'tool-result', toolCallId: 'c1', toolName: 'a', output: { type: 'text', value: 'ok' } },
        { type: 'tool-result', toolCallId: 'c2', toolName: 'b', output: { type: 'error-text', value: 'boom' } },
        { type: 'tool-result', toolCallId: 'c3', toolName: 'c', output: { type: 'error-json', value: { code: 1 } } },
        { type: 'tool-result', toolCallId: 'c4', toolName: 'd', output: { type: 'execution-denied', reason: 'no' } },
        { type: 'tool-result', toolCallId: 'c5', toolName: 'e', output: 42 },
      ]),
    );
    expect(entry.text).toBeNull();
    expect(entry.tool_results.map((r) => [r.tool_call_id, r.output, r.is_error])).toEqual([
      ['c1', 'ok', false],
      ['c2', 'boom', true],
      ['c3', { code: 1 }, true],
      ['c4', { type: 'execution-denied', reason: 'no' }, true],
      ['c5', 42, false],
    ]);
  });

  it('takes a plain string (or any JSON a custom agent appended) as it is', () => {
    expect(toTranscriptEntry(message(1, 'user', 'hello'))).toMatchObject({
      text: 'hello',
      tool_calls: [],
      tool_results: [],
      content: 'hello',
    });
    expect(toTranscriptEntry(message(1, 'assistant', { count: 3 }))).toMatchObject({ text: null, content: { count: 3 } });
  });
});
