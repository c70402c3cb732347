import { existsSync, mkdirSync, promises as fs, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AgentErrorCode,
  createScriptedModel,
  defineLlmAgent,
  QuotaExceededError,
  step,
  workspaceTools,
  WorkspaceService,
  type AgentDefinition,
  type Principal,
  type ScriptedTurn,
} from '../../src/agent/index.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';
import { processesWith } from '../support/processes.js';

/** An LLM agent (scripted model) that works in its workspace through the tools. */
const toolUser = defineLlmAgent({
  name: 'tool-user',
  system: 'Work in your workspace.',
  tools: workspaceTools(),
  model: createScriptedModel({
    script: (call, turn): ScriptedTurn => {
      if (turn === 0) {
        return {
          toolCalls: [
            { toolName: 'write_file', input: { path: 'src/hello.txt', content: 'hello from the model' } },
            { toolName: 'read_file', input: { path: '../../etc/passwd' } },
          ],
        };
      }
      if (turn === 1) {
        return {
          toolCalls: [
            { toolName: 'bash', input: { command: 'cat src/hello.txt && echo made-by-bash > made.txt && ls' } },
            { toolName: 'search_files', input: { query: 'hello' } },
            { toolName: 'list_dir', input: { path: 'src' } },
          ],
        };
      }
      return { text: `results: ${JSON.stringify(call.toolResults)}` };
    },
  }),
});

describe('workspaces in executions', () => {
  let db: TestDatabase;
  let t: TestApp;
  let baseDir: string;
  const bootLines: string[] = [];
  const me = principal('u1', 't1');
  const tenant = (tenantId: string): Principal => ({ tenantId, userId: 'u1', tier: 'pro', roles: [] });

  const customAgents: AgentDefinition[] = [
    {
      name: 'ws-custom',
      step: async (state, ctx) => {
        const ws = ctx.workspace!;
        await ws.writeFile('notes/plan.md', `# ${String((state.input as { title: string }).title)}`);
        const result = await ws.bash('cat notes/plan.md; echo; pwd; echo $HOME');
        return step.done({ output: result.output, exitCode: result.exitCode, listing: (await ws.listDir('notes')).map((e) => e.name) });
      },
    },
    {
      name: 'ws-big-writer',
      step: async (state, ctx) => {
        await ctx.workspace!.writeFile('big.bin', new Uint8Array((state.input as { kb: number }).kb * 1024));
        return step.done('written');
      },
    },
    {
      name: 'ws-sleeper',
      step: async (state, ctx) => {
        const tag = (state.input as { tag: string }).tag;
        await ctx.workspace!.bash(`sleep ${tag} & setsid sleep ${tag} & wait`);
        return step.done('woke up');
      },
    },
  ];

  beforeAll(async () => {
    db = await createTestDatabase();
    baseDir = realpathSync(await fs.mkdtemp(join(tmpdir(), 'workspaces-spec-')));
    for (const level of ['log', 'warn'] as const) {
      vi.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, message: unknown) {
        if (String(message).startsWith('Sandbox isolation:')) bootLines.push(`${level}: ${String(message)}`);
      });
    }
    t = await startTestApp({
      transport: 'postgres',
      db,
      queuePrefix: uniquePrefix(),
      agents: [toolUser, ...customAgents],
      options: {
        workspaces: { baseDir, cleanupAfterDays: 7 },
        tiers: { pro: { workspaceQuotaMb: 1 } },
        resolvePrincipal: (req) => tenant(String((req as { headers?: Record<string, string> }).headers?.['x-tenant'] ?? 't1')),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await fs.rm(baseDir, { recursive: true, force: true });
  });

  it('says at boot which isolation the sandbox has', async () => {
    const environment = await t.app.get(WorkspaceService).sandbox();
    // Anything short of full isolation with a filesystem-enforced quota is a warning.
    const complete = environment.kind === 'bubblewrap' && !environment.enforcement.disk.startsWith('NOT');
    expect(bootLines).toEqual([`${complete ? 'log' : 'warn'}: ${environment.summary}`]);
    vi.restoreAllMocks();
    if (existsSync('/usr/bin/bwrap')) expect(environment.kind).toBe('bubblewrap');
  });

  it('gives LLM tools the workspace of the execution that calls them', async () => {
    const execution = await t.manager.start(me, 'tool-user', 'work please');
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');

    const dir = join(baseDir, 't1', execution.id);
    expect(readFileSync(join(dir, 'src/hello.txt'), 'utf8')).toBe('hello from the model');
    expect(readFileSync(join(dir, 'made.txt'), 'utf8')).toBe('made-by-bash\n');
    const output = String(done.output);
    expect(output).toContain('hello from the model'); // bash's cat
    expect(output).toContain('"path":"src/hello.txt","line":1'); // search_files
    expect(output).toContain('"name":"hello.txt","type":"file"'); // list_dir

    // The escape attempt came back to the model as a tool error, and was logged as one.
    const { rows } = await db.sql.query(
      "SELECT context FROM agent_logs WHERE execution_id = $1 AND event_type = 'tool_completed' AND context->>'ok' = 'false'",
      [execution.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].context).toMatchObject({ toolName: 'read_file' });
    expect(rows[0].context.error).toMatch(/Refused '\.\.\/\.\.\/etc\/passwd'/);
  });

  it('gives custom agents ctx.workspace: files and bash in the same directory', async () => {
    const execution = await t.manager.start(me, 'ws-custom', { title: 'Plan' });
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const output = done.output as { output: string; exitCode: number; listing: string[] };
    expect(output.exitCode).toBe(0);
    expect(output.output).toContain('# Plan');
    expect(output.listing).toEqual(['plan.md']);
    expect(existsSync(join(baseDir, 't1', execution.id, 'notes/plan.md'))).toBe(true);
  });

  it('refuses a write past the tier quota with a clear error', async () => {
    const execution = await t.manager.start(tenant('t-write'), 'ws-big-writer', { kb: 1500 });
    const done = await waitForStatus(t, db, execution.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(
      /Workspace quota exceeded: the tenant's workspaces would use 1\.5 MB of 1\.0 MB; cannot write this file/,
    );
    expect(existsSync(join(baseDir, 't-write', execution.id, 'big.bin'))).toBe(false);

    const small = await t.manager.start(tenant('t-write'), 'ws-big-writer', { kb: 100 });
    expect((await waitForStatus(t, db, small.id, ['completed', 'failed'])).status).toBe('completed');
  });

  it('refuses a start when the tenant is at its quota: QuotaExceededError, HTTP 413', async () => {
    const full = join(baseDir, 't-full', 'old-execution');
    mkdirSync(full, { recursive: true });
    writeFileSync(join(full, 'data.bin'), Buffer.alloc(1100 * 1024));

    const error = await t.manager.start(tenant('t-full'), 'ws-custom', { title: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).code).toBe(AgentErrorCode.QuotaExceeded);

    const res = await request(t.app.getHttpServer())
      .post('/api/agents')
      .set('x-tenant', 't-full')
      .send({ agent_type: 'ws-custom', input: { title: 'x' } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, details: { code: 'quota_exceeded', quota_bytes: 1024 * 1024 } });
    const { rows } = await db.sql.query("SELECT count(*)::int AS n FROM agent_executions WHERE tenant_id = 't-full'");
    expect(rows[0].n).toBe(0);
  });

  it('kills the sandboxed process tree when the execution is force-killed', async () => {
    const tag = `${700 + Math.floor(Math.random() * 200)}.${Date.now() % 100000}`;
    const execution = await t.manager.start(tenant('t-kill'), 'ws-sleeper', { tag });
    for (let i = 0; i < 250 && processesWith(tag) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(processesWith(tag)).toBeGreaterThanOrEqual(2);
    await t.manager.forceKill(tenant('t-kill'), execution.id);
    for (let i = 0; i < 100 && processesWith(tag) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(processesWith(tag)).toBe(0);
  });

  it('removes workspaces unused for cleanupAfterDays', async () => {
    const service = t.app.get(WorkspaceService);
    const before = readdirSync(join(baseDir, 't1')).filter((n) => !n.startsWith('.'));
    expect(before.length).toBeGreaterThan(0);
    expect(await service.removeExpired(7, Date.now() + 6 * 24 * 3600 * 1000)).toEqual({ removed: 0 });
    const { removed } = await service.removeExpired(7, Date.now() + 8 * 24 * 3600 * 1000);
    expect(removed).toBeGreaterThanOrEqual(before.length);
    expect(readdirSync(join(baseDir, 't1')).filter((n) => !n.startsWith('.'))).toEqual([]);
  });
});
