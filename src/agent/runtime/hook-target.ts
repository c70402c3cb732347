/** What an outbound hook is called for. */
export const HookEvent = {
  Completed: 'execution.completed',
  Failed: 'execution.failed',
  AwaitingInput: 'execution.awaiting_input',
} as const;
export type HookEvent = (typeof HookEvent)[keyof typeof HookEvent];
export const ALL_HOOK_EVENTS: readonly HookEvent[] = Object.values(HookEvent);

/** A signed HTTP callback: `POST url` on each of `events` (default all of them). */
export interface HookTarget {
  url: string;
  events?: HookEvent[];
}

const MAX_HOOKS = 10;

/** Why these targets cannot be called (a URL that is not http(s), an unknown event), or null. */
export function hookTargetsProblem(hooks: unknown): string | null {
  if (!Array.isArray(hooks)) return 'hooks must be a list of { url, events? }';
  if (hooks.length > MAX_HOOKS) return `at most ${MAX_HOOKS} hooks`;
  for (const hook of hooks as HookTarget[]) {
    let url: URL;
    try {
      url = new URL(hook?.url);
    } catch {
      return `hook url ${JSON.stringify(hook?.url)} is not a URL`;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `hook url ${hook.url} must be http or https`;
    if (url.username || url.password) return `hook url ${hook.url} must not carry credentials`;
    const events = hook.events ?? ALL_HOOK_EVENTS;
    if (!Array.isArray(events) || events.length === 0 || !events.every((e) => ALL_HOOK_EVENTS.includes(e))) {
      return `hook events must be a non-empty list of ${ALL_HOOK_EVENTS.join(', ')}`;
    }
  }
  return null;
}
