import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AgentManager } from '../executions/lifecycle/agent-manager.js';
import { ExecutionEvents } from '../executions/execution-events.js';
import { ExecutionHistory } from '../executions/lifecycle/execution-history.js';
import type { AfterCommit } from '../infrastructure/in-transaction.js';
import type { Principal } from '../tenancy/principal.js';
import { publishConversationUpdated } from './conversation-events.js';
import { ConversationReader } from './conversation-reader.js';
import type { ConversationView } from './conversation.view.js';
import { TOUCH_CONVERSATION_SQL } from './conversations.sql.js';

/** A turn just created: `queued` when it waits for the conversation's active turn (`whenBusy: 'enqueue'`). */
export interface StartedTurn {
  conversation: ConversationView;
  executionId: string;
  queued: boolean;
}

/** A turn's start: its execution (through the kernel), its user message, the conversation touched and announced. */
@Injectable()
export class ConversationTurns {
  constructor(
    private readonly manager: AgentManager,
    private readonly history: ExecutionHistory,
    private readonly reader: ConversationReader,
    private readonly events: ExecutionEvents,
  ) {}

  /** Starts the turn inside the transaction holding its conversation, its user message as its first message. */
  async open(
    client: PoolClient,
    principal: Principal,
    conversation: { id: string; agentType: string },
    message: string,
    queued: boolean,
    afterCommit: (action: AfterCommit) => void,
  ): Promise<StartedTurn> {
    const started = await this.manager.startWithin(
      client,
      principal,
      conversation.agentType,
      { prompt: message },
      { links: { conversationId: conversation.id } },
    );
    await this.history.openTurn(client, { executionId: started.execution.id, tenantId: principal.tenantId, message, queued });
    await client.query(TOUCH_CONVERSATION_SQL, [conversation.id]);
    const view = await this.reader.view(client, principal, conversation.id);
    // A queued turn has no job (nor message) yet: the settlement of the turn before it starts it.
    if (!queued) afterCommit(started.afterCommit);
    afterCommit(() => publishConversationUpdated(this.events, principal, view));
    return { conversation: view, executionId: started.execution.id, queued };
  }
}
