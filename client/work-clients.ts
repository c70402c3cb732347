import type { Http } from './http.js';
import type { Page } from './types.js';
import type { BudgetState, Conversation, Pipeline, PipelineStageDefinition, TurnStarted } from './work-types.js';

const conversation = (id: string, action = ''): string => `/api/conversations/${encodeURIComponent(id)}${action}`;
const pipeline = (id: string, action = ''): string => `/api/pipelines/${encodeURIComponent(id)}${action}`;

/**
 * Conversations (`client.conversations`): each message is a turn, an execution that sees the
 * history. Live: `client.subscribe(execution_id, …)`, or `conversation.updated` on `client.admin.watch`.
 *
 * @example
 * const { conversation, execution_id } = await client.conversations.start('code-assistant', 'What is in src/?');
 * await client.subscribe(execution_id, {}).done;
 * await client.conversations.send(conversation.id, 'And in test/?');
 */
export class ConversationsClient {
  constructor(private readonly http: Http) {}

  start(agentType: string, message: string, title?: string): Promise<TurnStarted> {
    return this.http.request('POST', '/api/conversations', {
      body: { agent_type: agentType, message, ...(title === undefined ? {} : { title }) },
    });
  }

  /** 409 `conversation_busy` while a turn runs, unless the server queues messages (`conversations.whenBusy`). */
  send(id: string, message: string): Promise<TurnStarted> {
    return this.http.request('POST', conversation(id, '/messages'), { body: { message } });
  }

  /** With its history. */
  get(id: string): Promise<Conversation> {
    return this.http.request('GET', conversation(id));
  }

  /** The caller's conversations, most recently active first. */
  list(query: { cursor?: string; limit?: number } = {}): Promise<Page<Conversation>> {
    return this.http.request('GET', '/api/conversations', { query });
  }

  /** Kills a running turn and deletes the conversation with its turns. */
  delete(id: string): Promise<void> {
    return this.http.request('DELETE', conversation(id));
  }
}

/**
 * Pipelines (`client.pipelines`): stages of agents, each prompted from the outputs before it.
 *
 * @example
 * const p = await client.pipelines.create([{ name: 'research', agent_type: 'research' }, { name: 'write', agent_type: 'writer' }], 'durable agents');
 */
export class PipelinesClient {
  constructor(private readonly http: Http) {}

  create(stages: PipelineStageDefinition[], input: unknown, metadata?: Record<string, unknown>): Promise<Pipeline> {
    return this.http.request('POST', '/api/pipelines', { body: { stages, input, ...(metadata ? { metadata } : {}) } });
  }

  get(id: string): Promise<Pipeline> {
    return this.http.request('GET', pipeline(id));
  }

  list(query: { status?: Pipeline['status']; cursor?: string; limit?: number } = {}): Promise<Page<Pipeline>> {
    return this.http.request('GET', '/api/pipelines', { query });
  }

  /** Cancels its running stages; 409 once it has ended. */
  cancel(id: string): Promise<Pipeline> {
    return this.http.request('POST', pipeline(id, '/cancel'));
  }
}

/** The caller's monthly budgets (`client.budget()`), with what is spent and held by running steps. */
export const budgetOf = (http: Http): Promise<{ budgets: BudgetState[] }> => http.request('GET', '/api/usage/budget');
