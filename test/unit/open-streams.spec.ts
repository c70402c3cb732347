import { describe, expect, it } from 'vitest';
import { OpenStreams } from '../../src/agent/realtime/open-streams.js';

describe('OpenStreams', () => {
  it('ends the streams still open at shutdown, not those that ended before', () => {
    const streams = new OpenStreams();
    const ended: string[] = [];
    streams.add(() => ended.push('open'));
    const forget = streams.add(() => ended.push('gone'));
    forget();
    streams.beforeApplicationShutdown();
    expect(ended).toEqual(['open']);
  });

  it('ends a stream opened while the server shuts down, once its caller has set it up', async () => {
    const streams = new OpenStreams();
    streams.beforeApplicationShutdown();
    const ended: string[] = [];
    streams.add(() => ended.push('late'));
    expect(ended).toEqual([]);
    await Promise.resolve();
    expect(ended).toEqual(['late']);
  });
});
