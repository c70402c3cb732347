import { isTerminalStatus } from '../../../../client/index.js';
import { ConversationsPanel } from './conversations-panel.js';
import { byId } from './dom.js';
import { ExecutionsPanel } from './executions-panel.js';
import { ExecutionView } from './execution-view.js';
import { describeError } from './format.js';
import { PipelinesPanel } from './pipelines-panel.js';
import { QueuesPanel } from './queues-panel.js';
import { refusal, signIn, signOut, storedToken, type SignedIn } from './session.js';
import { UsagePanel } from './usage-panel.js';

const ROUTE = /^#\/executions\/([0-9a-f-]{36})$/i;

let current: SignedIn | null = null;

const signInSection = byId('sign-in');
const signInForm = byId<HTMLFormElement>('sign-in-form');
const signInError = byId('sign-in-error');
const app = byId('app');
const who = byId('who');
const live = byId('live');
const openQueues = byId<HTMLButtonElement>('open-queues');
const signOutButton = byId<HTMLButtonElement>('sign-out');

function showSignIn(message = ''): void {
  app.hidden = true;
  openQueues.hidden = signOutButton.hidden = live.hidden = true;
  who.textContent = '';
  signInSection.hidden = false;
  signInError.textContent = message;
}

/** Signed in: the panels, the live feed, and the route in the URL's hash. */
function start(signedIn: SignedIn): void {
  current = signedIn;
  const { client, session } = signedIn;
  signInSection.hidden = true;
  app.hidden = false;
  openQueues.hidden = signOutButton.hidden = live.hidden = false;
  who.textContent = `${session.user_id} · tenant ${session.tenant_id}`;

  const view = new ExecutionView(byId('execution-view'), client);
  const executions = new ExecutionsPanel(byId('executions-panel'), client, (id) => (location.hash = `#/executions/${id}`));
  const queues = new QueuesPanel(byId('queues-panel'), client);
  const usage = new UsagePanel(byId('usage-panel'), client);
  const conversations = new ConversationsPanel(byId('conversations-panel'), client);
  const pipelines = new PipelinesPanel(byId('pipelines-panel'), client);

  const route = (): void => {
    const id = ROUTE.exec(location.hash)?.[1] ?? null;
    executions.select(id);
    void view.show(id);
  };
  window.addEventListener('hashchange', route);
  route();

  client.admin.watch({
    // (Re)connected: what happened while the socket was down is read again.
    onConnect: () => {
      setLive('live');
      void executions.reload();
      void queues.refresh();
      void usage.refresh();
      void conversations.reload();
      void pipelines.reload();
    },
    onError: () => setLive('offline'),
    // The server's notifier is down: events come late (the lists are read again once it is back).
    onDelivery: (state) => setLive(state === 'up' ? 'live' : 'reconnecting'),
    onStatus: (event) => {
      executions.onStatus(event);
      queues.refreshSoon();
      if (isTerminalStatus(event.status)) usage.refreshSoon();
    },
    onStep: (event) => executions.onStep(event),
    // The payload has no owner to show: the list is read again.
    onWorkUpdated: (kind) => (kind === 'conversation' ? conversations : pipelines).reloadSoon(),
  });
}

function setLive(state: 'live' | 'offline' | 'reconnecting'): void {
  live.textContent = state;
  live.classList.toggle('on', state === 'live');
}

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = new FormData(signInForm).get('token');
  signInError.textContent = '';
  signIn(String(token ?? '').trim()).then(
    (signedIn) => {
      signInForm.reset();
      start(signedIn);
    },
    (error: unknown) => showSignIn(refusal(error)),
  );
});

signOutButton.addEventListener('click', () => {
  void signOut(current).then(() => location.reload());
});

// bull-board is opened by navigation: a fresh session first, so its cookie is good for the next minutes.
openQueues.addEventListener('click', () => {
  const client = current?.client;
  if (!client) return;
  client.admin.dashboardSession().then(
    (session) => window.open(session.queues_url, '_blank', 'noopener'),
    (error: unknown) => alert(describeError(error)),
  );
});

const token = storedToken();
if (token) signIn(token).then(start, (error: unknown) => showSignIn(refusal(error)));
else showSignIn();
