/** A message for a conversation whose turn is still running: refused (409) or run after it. */
export type BusyConversationPolicy = 'reject' | 'enqueue';
export const BUSY_CONVERSATION_POLICIES: readonly BusyConversationPolicy[] = ['reject', 'enqueue'];

export interface ConversationOptions {
  /** One turn runs at a time per conversation; a message sent meanwhile is `reject`ed (default) or `enqueue`d. */
  whenBusy?: BusyConversationPolicy;
}

export interface ResolvedConversationOptions {
  conversations: { whenBusy: BusyConversationPolicy };
}

export function resolveConversationOptions(input: ConversationOptions | undefined, problems: string[]): ResolvedConversationOptions {
  const conversations = { whenBusy: input?.whenBusy ?? 'reject' };
  if (!BUSY_CONVERSATION_POLICIES.includes(conversations.whenBusy)) {
    problems.push(`conversations.whenBusy must be one of ${BUSY_CONVERSATION_POLICIES.join(', ')}`);
  }
  return { conversations };
}
