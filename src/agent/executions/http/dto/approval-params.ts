import { IsUUID, Matches } from 'class-validator';

export class ApprovalParams {
  @IsUUID('all', { message: 'id must be a UUID' }) id: string;
  /** As the AI SDK makes them (`aitxt-…`); anything else cannot name an approval and is refused before a query. */
  @Matches(/^[A-Za-z0-9_.:-]{1,200}$/, { message: 'approvalId must be 1-200 letters, digits or _ . : -' }) approvalId: string;
}
