import { IsUUID } from 'class-validator';

export class ScheduleIdParam {
  @IsUUID('all', { message: 'id must be a UUID' }) id: string;
}
