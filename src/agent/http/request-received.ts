import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';

const RECEIVED_AT = Symbol('agentsReceivedAt');

type StampedRequest = { [RECEIVED_AT]?: number };

/**
 * Notes when a request reached the library's routes (ms since the epoch), before the guards after
 * it resolve the principal and count the request (each may wait on a server). A pause or cancel
 * is placed against a run's step boundaries by this time: stamped after those waits, a request
 * made before a step began could count as made during it and land a whole step later.
 * It never refuses a request.
 */
@Injectable()
export class RequestReceivedGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<StampedRequest>();
    request[RECEIVED_AT] ??= Date.now();
    return true;
  }
}

/** When the request reached the library's routes (`RequestReceivedGuard`); now, for a route without it. */
export const RequestReceivedAt = createParamDecorator(
  (_: unknown, context: ExecutionContext): number => context.switchToHttp().getRequest<StampedRequest>()[RECEIVED_AT] ?? Date.now(),
);
