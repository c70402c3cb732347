import { InitialSchema1795496268794 } from './1795496268794-InitialSchema.js';
import { EventsAndWebhooks1795499284171 } from './1795499284171-EventsAndWebhooks.js';
import { ExecutionTier1795501911302 } from './1795501911302-ExecutionTier.js';

/** In order of creation. */
export const AGENT_MIGRATIONS: Function[] = [InitialSchema1795496268794, EventsAndWebhooks1795499284171, ExecutionTier1795501911302];
