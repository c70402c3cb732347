import { InvalidRequestError } from '../../errors/rate-limited.error.js';
import { isPrivateHost } from '../../infrastructure/private-address.js';
import { hookTargetsProblem, type HookTarget } from '../../runtime/hook-target.js';

/**
 * A start's own hooks, checked before anything is written: callable URLs, known events, and no
 * private or loopback target unless allowed (SSRF; the DNS answer is checked again on each call).
 */
export function assertStartHooks(hooks: unknown, allowPrivateTargets: boolean): asserts hooks is HookTarget[] {
  const problem = hookTargetsProblem(hooks);
  if (problem) throw new InvalidRequestError(problem);
  if (allowPrivateTargets) return;
  for (const { url } of hooks as HookTarget[]) {
    if (isPrivateHost(new URL(url).hostname)) {
      throw new InvalidRequestError(`hook url ${url} is a private or loopback address (set hooks.allowPrivateTargets to allow it)`);
    }
  }
}
