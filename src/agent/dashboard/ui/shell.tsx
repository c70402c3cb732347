import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeError } from './format.js';
import { LiveBus, LiveContext, type LiveState } from './live.js';
import { href, useRoute, type Route } from './route.js';
import type { SignedIn } from './session.js';
import { ClientContext } from './use-load.js';
import { ConversationDetailView } from './views/conversation-detail.js';
import { ConversationsView } from './views/conversations.js';
import { OverviewView } from './views/overview.js';
import { PipelineDetailView } from './views/pipeline-detail.js';
import { PipelinesView } from './views/pipelines.js';
import { QueuesView } from './views/queues.js';
import { RunDetailView } from './views/run-detail.js';
import { RunsView } from './views/runs.js';
import { SchedulesView } from './views/schedules.js';
import { UsageView } from './views/usage.js';

const NAV: { label: string; href: string; views: Route['view'][] }[] = [
  { label: 'Overview', href: href.overview(), views: ['overview'] },
  { label: 'Runs', href: href.runs(), views: ['runs', 'run'] },
  { label: 'Conversations', href: href.conversations(), views: ['conversations', 'conversation'] },
  { label: 'Pipelines', href: href.pipelines(), views: ['pipelines', 'pipeline'] },
  { label: 'Schedules', href: href.schedules(), views: ['schedules'] },
  { label: 'Queues', href: href.queues(), views: ['queues'] },
  { label: 'Usage', href: href.usage(), views: ['usage'] },
];

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'runs':
      return <RunsView params={route.params} />;
    case 'run':
      return <RunDetailView id={route.id} />;
    case 'conversations':
      return <ConversationsView />;
    case 'conversation':
      return <ConversationDetailView id={route.id} />;
    case 'pipelines':
      return <PipelinesView />;
    case 'pipeline':
      return <PipelineDetailView id={route.id} />;
    case 'schedules':
      return <SchedulesView />;
    case 'queues':
      return <QueuesView />;
    case 'usage':
      return <UsageView />;
    case 'not-found':
      return (
        <section class="card">
          <h2>Not found</h2>
          <p>
            Nothing at <code>{route.path}</code>. <a href={href.overview()}>Back to the overview</a>.
          </p>
        </section>
      );
  }
}

/** The signed-in page: the header with navigation and the live badge, and the view the URL names. */
export function Shell({ signedIn, onSignOut }: { signedIn: SignedIn; onSignOut: () => void }) {
  const { client, session } = signedIn;
  const route = useRoute();
  const bus = useMemo(() => new LiveBus(), []);
  const [live, setLive] = useState<LiveState>(bus.state);
  useEffect(() => {
    const off = bus.on('state', setLive);
    bus.open(client);
    return () => {
      off();
      bus.close();
    };
  }, [bus, client]);

  // bull-board is opened by navigation: a fresh session first, so its cookie is good for the next minutes.
  const openQueues = () =>
    client.admin.dashboardSession().then(
      (s) => window.open(s.queues_url, '_blank', 'noopener'),
      (error: unknown) => alert(describeError(error)),
    );

  return (
    <ClientContext.Provider value={client}>
      <LiveContext.Provider value={bus}>
        <a class="skip" href="#content">
          Skip to content
        </a>
        <header class="bar">
          <h1>Agents</h1>
          <nav aria-label="Dashboard">
            {NAV.map((item) => (
              <a href={item.href} aria-current={item.views.includes(route.view) ? 'page' : undefined}>
                {item.label}
              </a>
            ))}
          </nav>
          <span class="spacer" />
          <span class="muted who" data-testid="who">
            {session.user_id} · tenant {session.tenant_id}
          </span>
          <span class={`badge ${live === 'live' ? 'on' : ''}`} data-testid="live" role="status" aria-label={`Live updates: ${live}`}>
            {live}
          </span>
          <button type="button" onClick={() => void openQueues()} data-testid="open-queues">
            Queue internals
          </button>
          <button type="button" onClick={onSignOut} data-testid="sign-out">
            Sign out
          </button>
        </header>
        <main id="content" tabIndex={-1}>
          <View route={route} />
        </main>
      </LiveContext.Provider>
    </ClientContext.Provider>
  );
}
