import type { ControlResult } from '../lifecycle/execution-controls.js';
import { toExecutionView, type ExecutionView } from './execution.view.js';

/** Express's response and Fastify's reply both set the status this way. */
export interface StatusSettable {
  status(code: number): unknown;
}

/** 200 when the change is made; 202 when it is recorded and lands at the end of the running step. */
export function controlResponse(res: StatusSettable, result: ControlResult): ExecutionView {
  res.status(result.pending ? 202 : 200);
  return toExecutionView(result.execution);
}
