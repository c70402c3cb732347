import { useEffect, useState } from 'preact/hooks';

/** Where the page is: one view per hash route (`#/runs/<id>`), so every view can be linked and reloaded. */
export type Route =
  | { view: 'overview' }
  | { view: 'runs'; params: URLSearchParams }
  | { view: 'run'; id: string }
  | { view: 'conversations' }
  | { view: 'conversation'; id: string }
  | { view: 'pipelines' }
  | { view: 'pipeline'; id: string }
  | { view: 'schedules' }
  | { view: 'queues' }
  | { view: 'usage' }
  | { view: 'not-found'; path: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  const [head, id] = parts;
  if (parts.length === 0 || (head === 'overview' && !id)) return { view: 'overview' };
  if (parts.length === 1) {
    if (head === 'runs') return { view: 'runs', params: new URLSearchParams(query) };
    if (head === 'conversations' || head === 'pipelines' || head === 'schedules' || head === 'queues' || head === 'usage')
      return { view: head };
  }
  if (parts.length === 2 && id && UUID.test(id)) {
    if (head === 'runs') return { view: 'run', id };
    if (head === 'conversations') return { view: 'conversation', id };
    if (head === 'pipelines') return { view: 'pipeline', id };
  }
  return { view: 'not-found', path };
}

/** Links to every view. */
export const href = {
  overview: () => '#/',
  runs: (params: Record<string, string | undefined> = {}) => {
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString();
    return query ? `#/runs?${query}` : '#/runs';
  },
  run: (id: string) => `#/runs/${id}`,
  conversations: () => '#/conversations',
  conversation: (id: string) => `#/conversations/${id}`,
  pipelines: () => '#/pipelines',
  pipeline: (id: string) => `#/pipelines/${id}`,
  schedules: () => '#/schedules',
  queues: () => '#/queues',
  usage: () => '#/usage',
};

/** The current route, following the hash. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}
