import http from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads a Server-Sent Events response until the server ends it (or `stopWhen` says so). */
export function readSse(
  url: string,
  headers: Record<string, string>,
  stopWhen?: (e: SseEvent) => boolean,
): Promise<{ status: number; events: SseEvent[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const events: SseEvent[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) continue;
          const event: SseEvent = { event: 'message', data: {} };
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(': ');
            const value = rest.join(': ');
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') event.data = JSON.parse(value);
          }
          events.push(event);
          if (stopWhen?.(event)) {
            req.destroy();
            resolve({ status: res.statusCode!, events });
          }
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, events }));
      res.on('error', reject);
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
  });
}
