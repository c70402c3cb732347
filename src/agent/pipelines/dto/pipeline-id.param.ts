import { IsUUID } from 'class-validator';

export class PipelineIdParam {
  @IsUUID('all', { message: 'id must be a UUID' }) id: string;
}
