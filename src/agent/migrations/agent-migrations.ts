import { InitialSchema1795496268794 } from './1795496268794-InitialSchema.js';
import { EventsAndWebhooks1795499284171 } from './1795499284171-EventsAndWebhooks.js';
import { ExecutionTier1795501911302 } from './1795501911302-ExecutionTier.js';
import { ConversationsPipelinesSubagents1795505407694 } from './1795505407694-ConversationsPipelinesSubagents.js';
import { Billing1795506369780 } from './1795506369780-Billing.js';
import { RateLimits1795510000000 } from './1795510000000-RateLimits.js';
import { AdmissionFunction1795520000000 } from './1795520000000-AdmissionFunction.js';
import { VersionsAndForks1795530000000 } from './1795530000000-VersionsAndForks.js';
import { ConcurrencyKeys1795540000000 } from './1795540000000-ConcurrencyKeys.js';
import { Schedules1795550000000 } from './1795550000000-Schedules.js';
import { Hooks1795560000000 } from './1795560000000-Hooks.js';
import { ChatTokens1795570000000 } from './1795570000000-ChatTokens.js';
import { DashboardStats1795580000000 } from './1795580000000-DashboardStats.js';
import { RunFiltersAndRetries1795590000000 } from './1795590000000-RunFiltersAndRetries.js';
import { BoundedTenantQueue1795600000000 } from './1795600000000-BoundedTenantQueue.js';
import { LeanerAdmission1795610000000 } from './1795610000000-LeanerAdmission.js';
import { LeanerExecutionIndexes1795620000000 } from './1795620000000-LeanerExecutionIndexes.js';
import { GroupedAdmission1795630000000 } from './1795630000000-GroupedAdmission.js';
import { HookDeliveryIds1795640000000 } from './1795640000000-HookDeliveryIds.js';
import { recordedOnce } from './recorded-once.js';

/**
 * In timestamp order (the order TypeORM applies them in on an empty database). Each is idempotent by name (`recordedOnce`), so any DataSource may list
 * them, whatever its migrations table: see `AGENT_MIGRATIONS_TABLE`.
 */
export const AGENT_MIGRATIONS: Function[] = [
  InitialSchema1795496268794,
  EventsAndWebhooks1795499284171,
  ExecutionTier1795501911302,
  ConversationsPipelinesSubagents1795505407694,
  Billing1795506369780,
  RateLimits1795510000000,
  AdmissionFunction1795520000000,
  VersionsAndForks1795530000000,
  ConcurrencyKeys1795540000000,
  Schedules1795550000000,
  Hooks1795560000000,
  ChatTokens1795570000000,
  DashboardStats1795580000000,
  RunFiltersAndRetries1795590000000,
  BoundedTenantQueue1795600000000,
  LeanerAdmission1795610000000,
  LeanerExecutionIndexes1795620000000,
  GroupedAdmission1795630000000,
  HookDeliveryIds1795640000000,
].map(recordedOnce);
