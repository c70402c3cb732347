import { AgentsApiError } from './errors.js';

/** A bearer token, or a function asked before every request (so a host app can refresh it). */
export type TokenSource = string | (() => string | Promise<string>);

export type Query = Record<string, string | number | undefined>;

/** JSON over `fetch`, with the bearer token and the API's error body turned into `AgentsApiError`. */
export class Http {
  private readonly fetch: typeof fetch;

  constructor(
    private readonly baseUrl: string,
    private readonly token: TokenSource | undefined,
    fetchImpl: typeof fetch | undefined,
  ) {
    // NOTE: browsers throw "Illegal invocation" when `fetch` is called detached from `window`.
    this.fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = typeof this.token === 'function' ? await this.token() : this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.fetch(this.baseUrl + path + queryString(options.query), {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    const body = parse(text);
    if (!response.ok) throw AgentsApiError.fromResponse(response.status, response.statusText, body);
    return body as T;
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
