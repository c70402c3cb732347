import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { SubagentRegistry } from './subagent-registry.js';
import { SubagentSettlement } from './subagent-settlement.js';

/** SPEC §11: subagent specs as agent types, and the settlement that joins children to their parent. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule],
  providers: [SubagentRegistry, SubagentSettlement],
})
export class SubagentsModule {}
