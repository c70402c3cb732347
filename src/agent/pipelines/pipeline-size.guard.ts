import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedPipelineOptions } from './pipeline.options.js';
import { refuseOversize } from './pipeline-definition.js';

/**
 * A definition over the stage or group limits is refused before the validation pipe copies the
 * body (class-transformer walks all of it: ~60 ms for 2 MB, during which the node serves no one).
 */
@Injectable()
export class PipelineSizeGuard implements CanActivate {
  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedPipelineOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const body = context.switchToHttp().getRequest<{ body?: { stages?: unknown } }>().body;
    refuseOversize(body?.stages, this.options.pipelines);
    return true;
  }
}
