import { IsUUID } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';

export class ScheduleIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'id must be a UUID' }) id: string;
}
