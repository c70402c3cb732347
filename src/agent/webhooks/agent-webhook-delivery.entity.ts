import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A webhook delivery already handled: a replay answers with `result` and triggers nothing. */
@Entity('agent_webhook_deliveries')
@Index('idx_agent_webhook_deliveries_created', ['createdAt'])
export class AgentWebhookDeliveryEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ name: 'delivery_id', type: 'text' }) deliveryId: string;
  @Column({ type: 'jsonb' }) result: unknown;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
