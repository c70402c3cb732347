import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';

/** SPEC §9. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule],
  controllers: [],
  providers: [],
})
export class ConversationsModule {}
