import { AgentExecutionEntity } from './executions/entities/agent-execution.entity.js';
import { AgentLogEntity } from './executions/entities/agent-log.entity.js';
import { AgentMessageEntity } from './executions/entities/agent-message.entity.js';
import { AgentCheckpointEntity } from './executions/entities/agent-checkpoint.entity.js';
import { AgentConversationEntity } from './conversations/entities/agent-conversation.entity.js';
import { AgentPipelineEntity } from './pipelines/entities/agent-pipeline.entity.js';
import { AgentBudgetEntity } from './billing/entities/agent-budget.entity.js';
import { BudgetLedgerEntity } from './billing/entities/budget-ledger.entity.js';
import { TokenUsageRecordEntity } from './billing/entities/token-usage-record.entity.js';
import { AgentEventInboxEntity } from './executions/entities/agent-event-inbox.entity.js';
import { AgentSignalEntity } from './executions/entities/agent-signal.entity.js';
import { AgentWebhookDeliveryEntity } from './webhooks/agent-webhook-delivery.entity.js';
import { AgentScheduleEntity } from './schedules/entities/agent-schedule.entity.js';
import { AgentHookDeliveryEntity } from './hooks/agent-hook-delivery.entity.js';
import { AgentRateLimitEntity } from './infrastructure/agent-rate-limit.entity.js';
import { AgentChatTokenEntity } from './chat/entities/agent-chat-token.entity.js';
import { AgentStatsRollupEntity } from './dashboard/stats/entities/agent-stats-rollup.entity.js';
import { AgentStatsRollupStateEntity } from './dashboard/stats/entities/agent-stats-rollup-state.entity.js';

/**
 * Every table the library owns, each feature's entities listed here (where `AgentModule` composes the
 * features) and handed to the infrastructure through `AGENT_SCHEMA`; a new feature adds its own.
 */
export const AGENT_ENTITIES = [
  AgentExecutionEntity,
  AgentMessageEntity,
  AgentCheckpointEntity,
  AgentLogEntity,
  AgentSignalEntity,
  AgentEventInboxEntity,
  AgentWebhookDeliveryEntity,
  AgentConversationEntity,
  AgentPipelineEntity,
  TokenUsageRecordEntity,
  AgentBudgetEntity,
  BudgetLedgerEntity,
  AgentRateLimitEntity,
  AgentScheduleEntity,
  AgentHookDeliveryEntity,
  AgentChatTokenEntity,
  AgentStatsRollupEntity,
  AgentStatsRollupStateEntity,
];
