import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiErrorResponse } from '../../../http/api-error.response.js';
import type { ErrorBody } from '../../../http/agent-http-exception.js';
import type { ExecutionView } from '../execution.view.js';
import { ExecutionResponse } from './execution.response.js';
import { StartExecutionDto } from './start-execution.dto.js';

/** Most starts one `POST /api/agents/batch` carries. */
export const MAX_BATCH_STARTS = 100;

export class StartBatchDto {
  @ApiProperty({
    type: () => [StartExecutionDto],
    minItems: 1,
    maxItems: MAX_BATCH_STARTS,
    description: 'Each as the body of `POST /api/agents`',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_STARTS)
  @ValidateNested({ each: true })
  @Type(() => StartExecutionDto)
  items: StartExecutionDto[];
}

/** One item's answer: its execution, or what `POST /api/agents` would have answered instead. */
export class StartBatchResultResponse {
  @ApiProperty({ description: 'The item’s place in `items`', example: 0 }) index: number;
  @ApiPropertyOptional({ type: () => ExecutionResponse, description: 'Started (or the execution of its idempotency key)' })
  execution?: ExecutionView;
  @ApiPropertyOptional({
    type: () => ApiErrorResponse,
    description: 'Refused: 429 over the tier’s limits (`limits`), 409 an idempotency key reused',
  })
  error?: ErrorBody;
}

export class StartBatchResponse {
  @ApiProperty({ type: [StartBatchResultResponse], description: 'One per item, in the order given' })
  results: StartBatchResultResponse[];
}
