import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedModel, defineLlmAgent, type JsonObject, type McpServerConfig, type Script } from '../../src/agent/index.js';
import { freePort } from '../support/free-port.js';
import { pidsWith, processesWith } from '../support/processes.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** The reference server of the MCP project, as published on npm. */
const EVERYTHING = resolve('node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const run = randomUUID();
/** Each stdio server gets a marker on its command line (the server ignores it) so the test can find its process. */
const marker = (name: string) => `mcp-spec-${name}-${run}`;
const stdioServer = (name: string): McpServerConfig => ({
  command: process.execPath,
  args: [EVERYTHING, 'stdio', marker(name)],
  stderr: 'ignore',
});
const LONG_CALL = { duration: 60, steps: 60 };

/** Calls each tool of `plan` in turn (one per step), then answers with every result it got. */
const scriptOf =
  (plan: Array<{ toolName: string; input: JsonObject }>): Script =>
  (call, turn) =>
    turn < plan.length ? { toolCalls: [plan[turn]!] } : { text: `results: ${JSON.stringify(call.toolResults)}` };

const calculator = defineLlmAgent({
  name: 'mcp-calculator',
  system: 'Use the tools.',
  mcpServers: { everything: stdioServer('calculator') },
  model: createScriptedModel({
    script: scriptOf([
      { toolName: 'everything__echo', input: { message: 'hello over stdio' } },
      { toolName: 'everything__get-sum', input: { a: 2, b: 3 } },
    ]),
  }),
});

/** Defined once the test has started the server and knows its URL. */
const remoteAgent = (url: string) =>
  defineLlmAgent({
    name: 'mcp-remote',
    system: 'Use the tools.',
    mcpServers: { remote: { url, toolPrefix: 'web_' } },
    model: createScriptedModel({ script: scriptOf([{ toolName: 'web_echo', input: { message: 'hello over http' } }]) }),
  });

/** `long` starts a minute-long operation; anything else is echoed. */
const slow = defineLlmAgent({
  name: 'mcp-slow',
  system: 'Use the tools.',
  mcpServers: { everything: stdioServer('slow') },
  model: createScriptedModel({
    script: (call, turn) => {
      if (turn > 0) return { text: `results: ${JSON.stringify(call.toolResults)}` };
      if (call.lastUserText === 'long')
        return { toolCalls: [{ toolName: 'everything__trigger-long-running-operation', input: LONG_CALL }] };
      return { toolCalls: [{ toolName: 'everything__echo', input: { message: call.lastUserText } }] };
    },
  }),
});

/** Its server is killed during the long call; the next step calls the server again. */
const victim = defineLlmAgent({
  name: 'mcp-victim',
  system: 'Use the tools.',
  mcpServers: { victim: stdioServer('victim') },
  model: createScriptedModel({
    script: scriptOf([
      { toolName: 'victim__trigger-long-running-operation', input: LONG_CALL },
      { toolName: 'victim__echo', input: { message: 'back again' } },
    ]),
  }),
});

/** Four servers that cannot be reached (`failingUrl` answers 500 to everything) beside one that works. */
const unluckyAgent = (failingUrl: string) =>
  defineLlmAgent({
    name: 'mcp-unlucky',
    system: 'Use the tools.',
    mcpServers: {
      missing: { command: '/nonexistent/mcp-server' },
      quitter: { command: process.execPath, args: ['-e', 'process.exit(3)'] },
      failing: { url: failingUrl },
      // Starts, and never says a word.
      silent: { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', marker('silent')], connectTimeoutMs: 500 },
      everything: { ...stdioServer('unlucky'), tools: ['get-sum'] },
    },
    model: createScriptedModel({
      script: (call, turn) =>
        turn === 0
          ? { toolCalls: [{ toolName: 'everything__get-sum', input: { a: 'two', b: 3 } }] }
          : { text: `tools: ${call.tools.map((t) => t.name).join(',')}; results: ${JSON.stringify(call.toolResults)}` },
    }),
  });

/** Tells when a tool call's span starts and ends: the moment a tool is in flight, seen from outside. */
class ToolCallSpans implements SpanProcessor {
  private readonly watchers: Array<{ tool: string; phase: 'start' | 'end'; resolve: (span: ReadableSpan) => void }> = [];
  next(tool: string, phase: 'start' | 'end'): Promise<ReadableSpan> {
    return new Promise((resolve) => this.watchers.push({ tool, phase, resolve }));
  }
  onStart(span: Span): void {
    this.notify(span, 'start');
  }
  onEnd(span: ReadableSpan): void {
    this.notify(span, 'end');
  }
  forceFlush = async () => undefined;
  shutdown = async () => undefined;
  private notify(span: ReadableSpan, phase: 'start' | 'end') {
    if (span.name !== 'agent.tool_call') return;
    for (const w of this.watchers.filter((w) => w.phase === phase && w.tool === span.attributes['agent.tool_name'])) {
      this.watchers.splice(this.watchers.indexOf(w), 1);
      w.resolve(span);
    }
  }
}

interface LogRow {
  execution_id: string;
  level: string;
  event_type: string;
  message: string;
  context: Record<string, unknown>;
}

describe('MCP servers as tool sources', () => {
  let db: TestDatabase;
  let t: TestApp;
  let httpServer: ChildProcess;
  let failing: Server;
  let closed = false;
  const spans = new ToolCallSpans();
  const me = principal();

  const logsOf = async (agentType: string, eventType?: string): Promise<LogRow[]> =>
    (
      await db.sql.query<LogRow>(
        `SELECT l.execution_id, l.level, l.event_type, l.message, l.context FROM agent_logs l
         JOIN agent_executions e ON e.id = l.execution_id
         WHERE e.agent_type = $1 AND ($2::text IS NULL OR l.event_type = $2) ORDER BY l.id`,
        [agentType, eventType ?? null],
      )
    ).rows;

  const runToEnd = async (agentType: string, prompt: string) => {
    const execution = await t.manager.start(me, agentType, prompt);
    return waitForStatus(t, db, execution.id, ['completed', 'failed', 'cancelled'], 30_000);
  };

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [spans] }));

    // The everything server in its streamable HTTP mode, as its README starts it.
    const port = await freePort();
    httpServer = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: 'pipe' });
    await new Promise<void>((ready, fail) => {
      httpServer.once('exit', (code) => fail(new Error(`the HTTP server exited with ${code}`)));
      httpServer.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening on port')) ready();
      });
    });
    httpServer.stdout!.resume();

    // Something at an MCP URL that answers every request with a 500.
    failing = createServer((_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error'));
    await new Promise<void>((ready) => failing.listen(0, '127.0.0.1', ready));
    const failingUrl = `http://127.0.0.1:${(failing.address() as { port: number }).port}/mcp`;

    db = await createTestDatabase();
    t = await startTestApp({
      transport: 'postgres',
      db,
      queuePrefix: uniquePrefix(),
      agents: [calculator, remoteAgent(`http://127.0.0.1:${port}/mcp`), slow, victim, unluckyAgent(failingUrl)],
    });
  });
  afterAll(async () => {
    if (!closed) await t?.close();
    httpServer?.kill();
    await new Promise((done) => failing?.close(done));
    await db?.drop();
    trace.disable();
    context.disable();
  });

  it('starts no server before a step needs one', () => {
    expect(processesWith(marker('calculator'))).toBe(0);
  });

  it('calls the tools of a stdio server, under names prefixed by the server, over one process for every step', async () => {
    const rows = await Promise.all([1, 2, 3].map(() => runToEnd('mcp-calculator', 'go')));

    for (const row of rows) {
      expect(row.status).toBe('completed');
      expect(row.step_count).toBe(3);
      expect(row.output).toContain('Echo: hello over stdio');
      expect(row.output).toContain('The sum of 2 and 3 is 5.');
    }
    // Nine steps over three executions, one connection: opened by the first step that needed it.
    const connects = await logsOf('mcp-calculator', 'mcp_server_connected');
    expect(connects.map((l) => [l.message, l.context])).toEqual([['Connected to MCP server "everything"', { server: 'everything' }]]);
    expect(processesWith(marker('calculator'))).toBe(1);
    const completions = await logsOf('mcp-calculator', 'tool_completed');
    expect(completions).toHaveLength(6);
    expect(completions.every((l) => l.context.ok === true)).toBe(true);
    expect(new Set(completions.map((l) => l.context.toolName))).toEqual(new Set(['everything__echo', 'everything__get-sum']));
  });

  it('calls the tools of a streamable HTTP server', async () => {
    const row = await runToEnd('mcp-remote', 'go');

    expect(row.status).toBe('completed');
    expect(row.output).toContain('Echo: hello over http');
    const calls = await logsOf('mcp-remote', 'tool_completed');
    expect(calls.map((l) => [l.context.toolName, l.context.ok])).toEqual([['web_echo', true]]);
  });

  it('aborts an in-flight MCP call on force kill, and keeps the connection for the next run', async () => {
    const started = spans.next('everything__trigger-long-running-operation', 'start');
    const ended = spans.next('everything__trigger-long-running-operation', 'end');
    const execution = await t.manager.start(me, 'mcp-slow', 'long');
    await started;
    const [pid] = pidsWith(marker('slow'));

    const killedAt = Date.now();
    await t.manager.forceKill(me, execution.id);
    const span = await ended;

    // The call (a minute long on the server) was abandoned at once, as aborted.
    expect(span.endTime[0] * 1000 + span.endTime[1] / 1e6 - killedAt).toBeLessThan(2_000);
    expect(span.status.message).toMatch(/abort|kill/i);
    expect((await waitForStatus(t, db, execution.id, ['cancelled'])).status).toBe('cancelled');
    expect(await logsOf('mcp-slow', 'tool_completed')).toEqual([]);

    const next = await runToEnd('mcp-slow', 'still there?');
    expect(next.status).toBe('completed');
    expect(next.output).toContain('Echo: still there?');
    // Same process: the aborted call did not cost the connection (the killed step's own logs, its
    // connect among them, were dropped with it, as everything an aborted step produced).
    expect(pidsWith(marker('slow'))).toEqual([pid]);
    expect(await logsOf('mcp-slow', 'mcp_server_connected')).toEqual([]);
  });

  it('gives a server that dies mid-call back to the model as a tool error, and starts it again for the next step', async () => {
    const started = spans.next('victim__trigger-long-running-operation', 'start');
    const execution = await t.manager.start(me, 'mcp-victim', 'go');
    await started;
    const [pid] = pidsWith(marker('victim'));
    process.kill(pid!, 'SIGKILL');

    const row = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(row.status).toBe('completed');
    expect(row.output).toContain('MCP server \\"victim\\" failed in \\"trigger-long-running-operation\\"');
    expect(row.output).toContain('Echo: back again');

    const completions = await logsOf('mcp-victim', 'tool_completed');
    expect(completions.map((l) => [l.context.toolName, l.context.ok])).toEqual([
      ['victim__trigger-long-running-operation', false],
      ['victim__echo', true],
    ]);
    expect(completions[0]!.level).toBe('warning');
    expect(completions[0]!.context.error).toMatch(/^MCP server "victim" failed in "trigger-long-running-operation": .*closed/i);
    expect(await logsOf('mcp-victim', 'mcp_server_connected')).toHaveLength(2);
    expect(pidsWith(marker('victim'))).not.toContain(pid);
  });

  it('logs each server that cannot be reached, by name and why, and runs the step with the others', async () => {
    const startedAt = Date.now();
    const row = await runToEnd('mcp-unlucky', 'go');

    expect(row.status).toBe('completed');
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    // Only the allowed tool of the server that works was offered.
    expect(row.output).toMatch(/^tools: everything__get-sum; results:/);

    const unavailable = await logsOf('mcp-unlucky', 'mcp_server_unavailable');
    const byServer = (server: string) => unavailable.filter((l) => l.context.server === server).map((l) => l.message);
    // Tried again by the second step, still unreachable.
    expect(byServer('missing')).toHaveLength(2);
    expect(byServer('missing')[0]).toMatch(/^MCP server "missing" could not be reached: .*ENOENT/);
    expect(byServer('quitter')[0]).toMatch(/^MCP server "quitter" could not be reached: .*closed/i);
    expect(byServer('failing')[0]).toMatch(/^MCP server "failing" could not be reached: .*500/);
    expect(byServer('silent')[0]).toMatch(/^MCP server "silent" could not be reached: .*timed out after 500ms/);
    // The silent one was stopped, not left behind.
    expect(processesWith(marker('silent'))).toBe(0);
    expect(byServer('everything')).toEqual([]);
    expect(unavailable.every((l) => l.level === 'warning')).toBe(true);

    // A tool that reports an error (bad arguments) is a failed tool call that names its server.
    const [completion] = await logsOf('mcp-unlucky', 'tool_completed');
    expect(completion!.context).toMatchObject({ toolName: 'everything__get-sum', ok: false });
    expect(completion!.context.error).toMatch(/^MCP server "everything" tool "get-sum" reported an error: .*Invalid arguments/);
    expect(row.output).toContain('reported an error');
  });

  it('refuses, at definition, a server that is neither stdio nor HTTP', () => {
    expect(() =>
      defineLlmAgent({ name: 'bad', system: '', model: createScriptedModel(), mcpServers: { 'bad name': { command: 'x' } } }),
    ).toThrow('Agent "bad", MCP server "bad name": the name may hold only letters, digits, "_" and "-"');
    expect(() =>
      defineLlmAgent({ name: 'bad', system: '', model: createScriptedModel(), mcpServers: { both: { command: 'x', url: 'http://x' } } }),
    ).toThrow('Agent "bad", MCP server "both": give either `command` (stdio) or `url` (streamable HTTP)');
  });

  it('stops every stdio server when the app closes', async () => {
    expect(processesWith(marker('calculator'))).toBe(1);
    expect(processesWith(marker('slow'))).toBe(1);

    await t.close();
    closed = true;

    for (const name of ['calculator', 'slow', 'victim', 'unlucky']) expect(processesWith(marker(name))).toBe(0);
  });
});
