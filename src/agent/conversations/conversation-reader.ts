import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { ConversationNotFoundError } from '../errors/conversation.errors.js';
import type { Page } from '../executions/http/execution-reader.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { CONVERSATION_VIEW_SQL, HISTORY_SQL, LIST_CONVERSATIONS_SQL } from './conversations.sql.js';
import {
  toConversationView,
  toMessageView,
  type ConversationMessageRow,
  type ConversationMessageView,
  type ConversationView,
  type ConversationViewRow,
  type OwnedConversationView,
} from './conversation.view.js';

/** Whose conversations: a tenant's, and one user's in it (`null`: any user of the tenant, for internal callers). */
export interface ConversationScope {
  tenantId: string;
  userId: string | null;
}

export interface ConversationFilter {
  /** `next_cursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

/** `<µs>_<uuid>`, as `LIST_CONVERSATIONS_SQL` writes it. */
export const CONVERSATION_CURSOR = /^(\d{1,20})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** Conversations, always scoped by tenant and owner (foreign ids look exactly like missing ones). */
@Injectable()
export class ConversationReader {
  private readonly pool: SqlPool;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase) {
    this.pool = database.pool;
  }

  /** With its history. */
  async get(scope: ConversationScope, id: string): Promise<ConversationView> {
    return toConversationView(...(await this.withHistory(scope, id)));
  }

  /** For admins: with its history and its owner; `scope.userId` null = any user of the tenant. */
  async getWithOwner(scope: ConversationScope, id: string): Promise<OwnedConversationView & { messages: ConversationMessageView[] }> {
    const [row, messages] = await this.withHistory(scope, id);
    return { ...toConversationView(row, messages), messages: messages.map(toMessageView), user_id: row.user_id };
  }

  private async withHistory(scope: ConversationScope, id: string): Promise<[ConversationViewRow, ConversationMessageRow[]]> {
    const row = await this.viewRow(this.pool, scope, id);
    if (!row) throw new ConversationNotFoundError(id);
    const { rows: messages } = await this.pool.query<ConversationMessageRow>(HISTORY_SQL, [id, scope.tenantId]);
    return [row, messages];
  }

  /** Its turn in flight (the oldest unfinished one), or null: the view's row alone, without the history. */
  async activeExecutionId(scope: ConversationScope, id: string): Promise<string | null> {
    const row = await this.viewRow(this.pool, scope, id);
    if (!row) throw new ConversationNotFoundError(id);
    return row.active_execution_id;
  }

  /** The caller's own, newest activity first. */
  list(scope: { tenantId: string; userId: string }, filter: ConversationFilter): Promise<Page<ConversationView>> {
    return this.page(scope, filter, (r) => toConversationView(r));
  }

  /** For admins: each with its owner; `scope.userId` null = every user of the tenant. */
  listWithOwners(scope: ConversationScope, filter: ConversationFilter): Promise<Page<OwnedConversationView>> {
    return this.page(scope, filter, (r) => ({ ...toConversationView(r), user_id: r.user_id }));
  }

  private async page<T>(scope: ConversationScope, filter: ConversationFilter, toView: (row: ConversationViewRow) => T): Promise<Page<T>> {
    const limit = filter.limit ?? 50;
    const cursor = filter.cursor ? CONVERSATION_CURSOR.exec(filter.cursor) : null;
    const { rows } = await this.pool.query<ConversationViewRow>(LIST_CONVERSATIONS_SQL, [
      scope.tenantId,
      scope.userId,
      cursor?.[1] ?? null,
      cursor?.[2] ?? null,
      limit + 1,
    ]);
    const page = rows.slice(0, limit);
    return { data: page.map(toView), next_cursor: rows.length > limit ? page[page.length - 1]!.cursor : null };
  }

  /** Without its history, read on `db` (inside a caller's transaction, to answer with what it wrote). */
  async view(db: SqlPool | PoolClient, scope: ConversationScope, id: string): Promise<ConversationView> {
    const row = await this.viewRow(db, scope, id);
    if (!row) throw new ConversationNotFoundError(id);
    return toConversationView(row);
  }

  private async viewRow(db: SqlPool | PoolClient, scope: ConversationScope, id: string): Promise<ConversationViewRow | undefined> {
    const { rows } = await db.query<ConversationViewRow>(CONVERSATION_VIEW_SQL, [id, scope.tenantId, scope.userId]);
    return rows[0];
  }
}
