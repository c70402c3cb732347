import { lookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isPrivateAddress, isPrivateHost } from '../infrastructure/private-address.js';

export interface SendOptions {
  timeoutMs: number;
  allowPrivateTargets: boolean;
}

/** The answer's status code, or the reason the call failed. */
export type SendResult = { statusCode: number } | { error: string; permanent?: boolean };

/**
 * POSTs one JSON body. Without `allowPrivateTargets`, the address the name resolves to is checked
 * on the connection itself (so a DNS answer that changes between a check and the call cannot
 * reach a private address), and IP literals before it.
 */
export function sendHook(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendResult> {
  const target = new URL(url);
  if (!options.allowPrivateTargets && isPrivateHost(target.hostname)) {
    return Promise.resolve({ error: `refused: ${target.hostname} is a private or loopback address`, permanent: true });
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        signal: AbortSignal.timeout(options.timeoutMs),
        lookup: options.allowPrivateTargets ? undefined : publicLookup,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0 }));
        res.on('error', (error) => resolve({ error: error.message }));
      },
    );
    req.on('error', (error) =>
      resolve({ error: error.name === 'AbortError' ? `no answer within ${options.timeoutMs} ms` : error.message }),
    );
    req.end(body);
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** `dns.lookup` that answers an error for a private address. */
function publicLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${blocked.address}, a private address`)), []);
    if ((options as LookupAllOptions).all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
