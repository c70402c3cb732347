import type { Response } from 'express';
import type { ControlResult } from './agent-manager.js';
import { toExecutionView, type ExecutionView } from './execution.view.js';

/** 200 when the change is made; 202 when it is recorded and lands at the end of the running step. */
export function controlResponse(res: Response, result: ControlResult): ExecutionView {
  res.status(result.pending ? 202 : 200);
  return toExecutionView(result.execution);
}
