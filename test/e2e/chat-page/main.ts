// A chat front end as an application writes one: the AI SDK's `useChat` with its stock
// `DefaultChatTransport`, on a conversation of the example app (served from the same origin).
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, type UIMessage } from 'ai';
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

function Chat() {
  // resume: a reload picks the turn in flight up again (GET …/chat/stream replays it from its beginning).
  const { messages, sendMessage, status, error } = useChat({ id: conversationId, transport, resume: true });
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
      messages.map((m) => h('li', { key: m.id, 'data-role': m.role, 'data-testid': `message-${m.role}` }, textOf(m))),
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
