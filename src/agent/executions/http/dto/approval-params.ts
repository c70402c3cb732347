import { ApiProperty } from '@nestjs/swagger';
import { IsUUID, Matches } from 'class-validator';

export class ApprovalParams {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'id must be a UUID' }) id: string;
  /** As the AI SDK makes them (`aitxt-…`); anything else cannot name an approval and is refused before a query. */
  @ApiProperty({
    pattern: '^[A-Za-z0-9_.:-]{1,200}$',
    description: 'The `approval_id` of one of the execution’s `pending_approvals`',
    example: 'aitxt-abc123',
  })
  @Matches(/^[A-Za-z0-9_.:-]{1,200}$/, { message: 'approvalId must be 1-200 letters, digits or _ . : -' })
  approvalId: string;
}
