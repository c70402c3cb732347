import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from 'ai';

/** The chat state `useChat` keeps in React, kept in plain fields: the AI SDK's own `AbstractChat` runs on it unchanged. */
class PlainChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage) => void this.messages.push(message);
  popMessage = () => void this.messages.pop();
  replaceMessage = (index: number, message: UIMessage) => void (this.messages[index] = message);
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** The AI SDK's chat client (what `useChat` wraps) outside a browser: sendMessage, addToolApprovalResponse, status, messages. */
export class NodeChat extends AbstractChat<UIMessage> {
  constructor(init: Omit<ChatInit<UIMessage>, 'messages'>) {
    super({ ...init, state: new PlainChatState() });
  }

  /** Resolves once the chat is idle again (`ready` or `error`), polling like a re-render would. */
  async settled(timeoutMs = 15_000): Promise<ChatStatus> {
    const until = Date.now() + timeoutMs;
    while (this.status === 'submitted' || this.status === 'streaming') {
      if (Date.now() > until) throw new Error(`the chat stayed ${this.status}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.status;
  }
}
