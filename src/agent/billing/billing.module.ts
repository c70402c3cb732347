import { Module } from '@nestjs/common';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { BudgetService } from './budget.service.js';
import { UsageService } from './usage.service.js';

/** SPEC §12: usage records, pricing, budgets. The runner writes the records in each step's commit. */
@Module({
  imports: [InfrastructureModule, TenancyModule],
  providers: [BudgetService, UsageService],
  exports: [BudgetService, UsageService],
})
export class BillingModule {}
