import type { OwnedExecutionView } from '../executions/http/execution.view.js';
import type { JsonValue } from '../runtime/json.js';

/** The public shape of a conversation (SPEC §9): explicit, snake_case. */
export interface ConversationView {
  id: string;
  agent_type: string;
  title: string | null;
  /** Completed turns: each added its user message and its answer to the history. */
  turn_count: number;
  /** Tokens of every turn that ended, completed or not. */
  total_tokens: number;
  last_activity_at: string;
  created_at: string;
  /** The turn running (or not yet settled) now; a new message waits for it or is refused. */
  active_execution_id: string | null;
  messages?: ConversationMessageView[];
}

export interface ConversationMessageView {
  role: string;
  content: JsonValue;
  execution_id: string;
  created_at: string;
}

/** What `POST /api/conversations` and `POST /api/conversations/:id/messages` answer. */
export interface TurnStartedView {
  conversation: ConversationView;
  execution_id: string;
}

/** A conversation in the admin list (`GET /api/admin/conversations`): whose it is, too. */
export type OwnedConversationView = ConversationView & { user_id: string };

/** `GET /api/admin/conversations/:id`: with its history and its turns (the newest, oldest first). */
export type AdminConversationDetailView = OwnedConversationView & {
  messages: ConversationMessageView[];
  turns: OwnedExecutionView[];
  turns_truncated: boolean;
};

/** A row of `CONVERSATION_VIEW_SQL` / `LIST_CONVERSATIONS_SQL`. */
export interface ConversationViewRow {
  id: string;
  user_id: string;
  agent_type: string;
  title: string | null;
  turn_count: number;
  total_tokens: string;
  last_activity_at: Date;
  created_at: Date;
  active_execution_id: string | null;
  cursor: string;
}

export interface ConversationMessageRow {
  role: string;
  content: JsonValue;
  execution_id: string;
  created_at: Date;
}

export function toConversationView(row: ConversationViewRow, messages?: readonly ConversationMessageRow[]): ConversationView {
  return {
    id: row.id,
    agent_type: row.agent_type,
    title: row.title,
    turn_count: row.turn_count,
    // NOTE: bigint arrives as a string; token totals stay far below 2^53.
    total_tokens: Number(row.total_tokens),
    last_activity_at: row.last_activity_at.toISOString(),
    created_at: row.created_at.toISOString(),
    active_execution_id: row.active_execution_id,
    ...(messages ? { messages: messages.map(toMessageView) } : {}),
  };
}

export const toMessageView = (m: ConversationMessageRow): ConversationMessageView => ({
  role: m.role,
  content: m.content,
  execution_id: m.execution_id,
  created_at: m.created_at.toISOString(),
});
