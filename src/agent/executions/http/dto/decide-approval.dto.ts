import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';

export class DecideApprovalDto {
  @ApiProperty({ description: 'true runs the tool call; false answers the model that it was denied' })
  @IsDefined({ message: 'approved is required (true or false)' })
  @IsBoolean({ message: 'approved must be true or false' })
  approved: boolean;
  /** Given to the model with a denial (as the tool's result); kept in the history with an approval. */
  @ApiPropertyOptional({
    maxLength: 2000,
    description: 'Given to the model with a denial (as the tool’s result); kept in the history with an approval',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
