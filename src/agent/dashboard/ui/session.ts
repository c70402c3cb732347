import { AgentsApiError, AgentsClient, type DashboardSession } from '../../../../client/index.js';

const STORAGE_KEY = 'agents-dashboard-token';

export interface SignedIn {
  client: AgentsClient;
  session: DashboardSession;
}

/**
 * The admin's bearer token, kept in this tab's sessionStorage (gone when the tab closes) so a
 * reload stays signed in. The page shell holds nothing else; the server checks the token on
 * every call.
 */
export const storedToken = (): string | null => sessionStorage.getItem(STORAGE_KEY);

/** Checks the token against the admin-only session endpoint; 401 and 403 come back as `AgentsApiError`. */
export async function signIn(token: string): Promise<SignedIn> {
  const client = new AgentsClient({ baseUrl: location.origin, token, socketOptions: { transports: ['websocket'] } });
  try {
    const session = await client.admin.dashboardSession();
    sessionStorage.setItem(STORAGE_KEY, token);
    return { client, session };
  } catch (error) {
    client.close();
    throw error;
  }
}

export async function signOut(signedIn: SignedIn | null): Promise<void> {
  sessionStorage.removeItem(STORAGE_KEY);
  if (!signedIn) return;
  await signedIn.client.admin.closeDashboardSession().catch(() => undefined);
  signedIn.client.close();
}

export function refusal(error: unknown): string {
  if (error instanceof AgentsApiError && error.statusCode === 401) return 'This token is not valid or has expired (401).';
  if (error instanceof AgentsApiError && error.statusCode === 403)
    return 'Refused (403): this account is not an admin. The dashboard is for admins only.';
  return error instanceof Error ? error.message : String(error);
}
