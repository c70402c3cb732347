import { Agent, request } from 'node:http';

export interface ApiResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of the example app's REST API
  /** performance.now() when the whole response had arrived. */
  at: number;
}

/**
 * The REST API over HTTP on localhost, as a client sees it: keep-alive connections (so a
 * measured call pays no TCP handshake), a bearer token, JSON in and out.
 */
export class ApiClient {
  constructor(
    readonly port: number,
    readonly token: string,
    private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 }),
  ) {}

  /** The same connections, as another user. */
  withToken(token: string): ApiClient {
    return new ApiClient(this.port, token, this.agent);
  }

  call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<ApiResponse>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const at = performance.now();
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text for the error message
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, at });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like `call`, but throws unless the status is one of `expected`. */
  async expect(expected: number[], method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<ApiResponse> {
    const res = await this.call(method, path, body);
    if (!expected.includes(res.status))
      throw new Error(`${method} ${path} answered ${res.status} (expected ${expected.join('/')}): ${JSON.stringify(res.body)}`);
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}
