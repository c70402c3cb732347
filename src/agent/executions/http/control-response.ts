import { applyDecorators } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors } from '../../http/api-error.response.js';
import type { ControlResult } from '../lifecycle/execution-controls.js';
import { ExecutionResponse } from './dto/execution.response.js';
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

/** A control route's answers, as `controlResponse` gives them. */
export const ApiControlResponses = (): MethodDecorator =>
  applyDecorators(
    ApiOkResponse({ type: ExecutionResponse, description: 'Done' }),
    ApiAcceptedResponse({ type: ExecutionResponse, description: 'Recorded: it lands at the end of the running step' }),
    ApiErrors(400, 404, 409),
  );
