import { ApiProperty } from '@nestjs/swagger';
import type { ChatCancelView } from '../chat-cancel.view.js';

/** The OpenAPI description of the chat's cancel answer (`chat-cancel.view.ts`). */
export class ChatCancelResponse implements ChatCancelView {
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The turn asked to stop (it stops at the end of its step), or null when none was running',
  })
  execution_id: string | null;
}
