import { IsUUID } from 'class-validator';

export class ExecutionIdParam {
  @IsUUID('all', { message: 'id must be a UUID' }) id: string;
}
