import { ApiProperty } from '@nestjs/swagger';

/** What the dashboard's sign-in check answers. */
export interface DashboardSessionView {
  tenant_id: string;
  user_id: string;
  roles: string[];
  /** When the bull-board cookie expires: ask again (the page does before opening bull-board). */
  expires_at: string;
  /** Where bull-board is mounted. */
  queues_url: string;
}

/** The OpenAPI description of what `POST /api/admin/dashboard/session` answers. */
export class DashboardSessionResponse implements DashboardSessionView {
  @ApiProperty() tenant_id: string;
  @ApiProperty() user_id: string;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ format: 'date-time', description: 'When the bull-board cookie expires' }) expires_at: string;
  @ApiProperty({ description: 'Where bull-board is mounted' }) queues_url: string;
}
