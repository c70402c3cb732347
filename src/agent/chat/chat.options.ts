import { isPositiveInt } from '../errors/option-checks.js';

export interface ChatOptions {
  /** How long an execution's token deltas stay buffered after its last one, for chat streams to resume (default 3600). */
  tokenRetentionSeconds?: number;
  /** Token deltas buffered per execution; later ones are streamed live but not replayed (default 20000). */
  maxBufferedTokens?: number;
}

export interface ResolvedChatOptions {
  chat: Required<ChatOptions>;
}

export function resolveChatOptions(input: ChatOptions | undefined, problems: string[]): ResolvedChatOptions {
  const chat = { tokenRetentionSeconds: input?.tokenRetentionSeconds ?? 3600, maxBufferedTokens: input?.maxBufferedTokens ?? 20_000 };
  if (!isPositiveInt(chat.tokenRetentionSeconds)) problems.push('chat.tokenRetentionSeconds must be a positive integer');
  if (!isPositiveInt(chat.maxBufferedTokens)) problems.push('chat.maxBufferedTokens must be a positive integer');
  return { chat };
}
