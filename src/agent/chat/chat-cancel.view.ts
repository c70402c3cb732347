/** What `POST /api/conversations/:id/chat/cancel` answers. */
export interface ChatCancelView {
  /** The turn asked to stop, or null when none was running. */
  execution_id: string | null;
}
