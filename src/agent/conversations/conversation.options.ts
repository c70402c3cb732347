/** A message for a conversation whose turn is still running: refused (409) or run after it. */
export type BusyConversationPolicy = 'reject' | 'enqueue';
export const BUSY_CONVERSATION_POLICIES: readonly BusyConversationPolicy[] = ['reject', 'enqueue'];

export interface ConversationOptions {
  /**
   * Conversations (default true). `false`: their routes (user and admin) are not mounted and turns
   * are not settled into conversations, so `ConversationsService` is not to be used either.
   */
  enabled?: boolean;
  /** One turn runs at a time per conversation; a message sent meanwhile is `reject`ed (default) or `enqueue`d. */
  whenBusy?: BusyConversationPolicy;
}

export interface ResolvedConversationOptions {
  conversations: { whenBusy: BusyConversationPolicy };
  features: { conversations: boolean };
}

export function resolveConversationOptions(input: ConversationOptions | undefined, problems: string[]): ResolvedConversationOptions {
  const enabled = input?.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push('conversations.enabled must be a boolean');
  const conversations = { whenBusy: input?.whenBusy ?? 'reject' };
  if (!BUSY_CONVERSATION_POLICIES.includes(conversations.whenBusy)) {
    problems.push(`conversations.whenBusy must be one of ${BUSY_CONVERSATION_POLICIES.join(', ')}`);
  }
  return { conversations, features: { conversations: enabled } };
}
