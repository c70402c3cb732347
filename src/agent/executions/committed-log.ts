import type { JsonObject } from '../runtime/json.js';

/**
 * A row of `agent_logs` as a commit returned it: what `execution.log_appended` carries, and whose
 * `id` is the `seq` of the events of that commit.
 */
export interface CommittedLog {
  id: string;
  step_number: number | null;
  level: string;
  event_type: string;
  message: string;
  context: JsonObject;
  created_at: string;
}
