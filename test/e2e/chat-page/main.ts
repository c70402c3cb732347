// A chat front end as an application writes one: the AI SDK's `useChat` with its stock
// `DefaultChatTransport`, on a conversation of the example app (served from the same origin).
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, isToolUIPart, lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from 'ai';
import { createElement as h, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';

const params = new URLSearchParams(location.search);
const conversationId = params.get('conversation') ?? '';
const token = params.get('token') ?? '';
const base = `/api/conversations/${conversationId}/chat`;

const transport = new DefaultChatTransport<UIMessage>({
  api: base,
  headers: { authorization: `Bearer ${token}` },
  prepareReconnectToStreamRequest: () => ({ api: `${base}/stream` }),
});

const textOf = (message: UIMessage) => message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');

type Answer = (response: { id: string; approved: boolean; reason?: string }) => void | PromiseLike<void>;

/** A message's tool calls: name and state, and Approve / Deny on one that waits for a person. */
function toolsOf(message: UIMessage, answer: Answer) {
  return message.parts.filter(isToolUIPart).map((part) => {
    const name = part.type.replace(/^tool-/, '');
    const waiting = part.state === 'approval-requested' ? part.approval.id : null;
    return h(
      'div',
      { key: part.toolCallId, 'data-testid': `tool-${name}`, 'data-state': part.state },
      `${name}: ${part.state}`,
      waiting ? h('button', { 'data-testid': 'approve', onClick: () => void answer({ id: waiting, approved: true }) }, 'Approve') : null,
      waiting
        ? h(
            'button',
            { 'data-testid': 'deny', onClick: () => void answer({ id: waiting, approved: false, reason: 'Denied in the page' }) },
            'Deny',
          )
        : null,
    );
  });
}

function Chat() {
  // resume: a reload picks the turn in flight up again (GET …/chat/stream replays it from its beginning).
  // sendAutomaticallyWhen: answering the last pending approval sends the next request, which streams the rest of the turn.
  const { messages, sendMessage, addToolApprovalResponse, status, error } = useChat({
    id: conversationId,
    transport,
    resume: true,
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
  });
  const [draft, setDraft] = useState('');
  const send = (event: FormEvent) => {
    event.preventDefault();
    void sendMessage({ text: draft });
    setDraft('');
  };
  return h(
    'main',
    null,
    h(
      'ul',
      { 'data-testid': 'messages' },
      messages.map((m) =>
        h(
          'li',
          { key: m.id, 'data-role': m.role, 'data-testid': `message-${m.role}` },
          h('span', { 'data-testid': 'text' }, textOf(m)),
          ...toolsOf(m, addToolApprovalResponse),
        ),
      ),
    ),
    h('p', { 'data-testid': 'status' }, status),
    error ? h('p', { 'data-testid': 'error' }, error.message) : null,
    h(
      'form',
      { onSubmit: send },
      h('input', { 'data-testid': 'draft', value: draft, onChange: (e: { target: { value: string } }) => setDraft(e.target.value) }),
      h('button', { type: 'submit', 'data-testid': 'send' }, 'Send'),
    ),
  );
}

createRoot(document.getElementById('root')!).render(h(Chat));
