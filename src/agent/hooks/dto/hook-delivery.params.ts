import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class HookDeliveryParams {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'id must be a UUID' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'The delivery’s `id` in the execution’s hook log (its `webhook-id`)' })
  @IsUUID('all', { message: 'delivery_id must be a UUID' })
  delivery_id: string;
}
