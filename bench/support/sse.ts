import { request, type ClientRequest } from 'node:http';
import { deferred, within, type Deferred } from './deferred.js';

/**
 * `GET /api/agents/:id/stream` (Server-Sent Events), as a browser would hold it: the execution's
 * history, then its live events pushed through the library's event bridge. Records when each
 * `status.changed` arrives here.
 */
export class ExecutionEventStream {
  private readonly statuses = new Map<string, Deferred<number>>();
  private readonly req: ClientRequest;
  private buffer = '';
  private ended = false;
  readonly opened: Promise<number>;

  constructor(port: number, token: string, executionId: string) {
    const opened = deferred<number>();
    this.opened = opened.promise;
    this.req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'GET',
        path: `/api/agents/${executionId}/stream`,
        agent: false,
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          opened.reject(new Error(`GET /api/agents/${executionId}/stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        opened.resolve(performance.now());
        res.setEncoding('utf8');
        res.on('data', (text: string) => this.onData(text, performance.now()));
        res.on('end', () => (this.ended = true));
        res.on('error', () => (this.ended = true));
      },
    );
    this.req.on('error', (error) => opened.reject(error));
    this.req.end();
  }

  /** Resolves with performance.now() at the arrival of the first `status.changed` to `status`. */
  status(status: string, timeoutMs: number): Promise<number> {
    return within(this.slot(status).promise, timeoutMs, `status.changed → ${status} on the event stream`);
  }

  private slot(status: string): Deferred<number> {
    let d = this.statuses.get(status);
    if (!d) this.statuses.set(status, (d = deferred<number>()));
    return d;
  }

  private onData(text: string, at: number): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = '';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (event !== 'status.changed') continue;
      try {
        const status = (JSON.parse(data) as { status?: string }).status;
        if (typeof status === 'string') this.slot(status).resolve(at);
      } catch {
        // not JSON: not ours to judge here
      }
    }
  }

  close(): void {
    if (!this.ended) this.req.destroy();
  }
}
