import { BadRequestException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { findUnstorable } from './storable-input.js';

interface RequestParts {
  body?: unknown;
  query?: unknown;
  params?: unknown;
}

/**
 * Refuses, with 400 naming the field, a request whose body, query or path parameters carry what
 * PostgreSQL cannot store or what is too deep to validate (`findUnstorable`). A guard, so it runs
 * before every pipe, the app's global ones included: class-transformer never sees a body nested
 * 20,000 levels deep.
 */
@Injectable()
export class StorableInputGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const { body, query, params } = context.switchToHttp().getRequest<RequestParts>();
    const problem = findUnstorable(body) ?? findUnstorable(query) ?? findUnstorable(params);
    if (problem) throw new BadRequestException(problem);
    return true;
  }
}
