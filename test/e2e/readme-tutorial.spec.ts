import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStepper } from '../../src/agent/index.js';
import { startExampleApp, type ExampleApp } from '../support/example-app.js';
import { waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const run = promisify(execFile);

/** The README's tutorial blocks (```bash tutorial / ```ts tutorial), in order; `tag` picks another set (```bash approval). */
function tutorialBlocks(language: 'bash' | 'ts', tag = 'tutorial'): string[] {
  const readme = readFileSync(resolve('README.md'), 'utf8');
  return [...readme.matchAll(new RegExp('```' + language + ' ' + tag + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/**
 * The README's tutorial, run as written against the example app, so the README cannot rot. Two
 * substitutions in the shell blocks only: the app listens on a free port instead of 3000, and the
 * token comes from the built script (`npm run token` would rebuild `dist/` under the other tests'
 * feet). The TypeScript block is used verbatim.
 */
describe('the README tutorial', () => {
  let db: TestDatabase;
  let example: ExampleApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    example = await startExampleApp(db, uniquePrefix(), { AGENTS_TIERS: '{}' });
  });
  afterAll(async () => {
    await example?.close();
    await db?.drop();
  });

  it('starts, watches, pauses, resumes and finishes an execution with the shell blocks', async () => {
    const blocks = tutorialBlocks('bash');
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const port = (example.app.getHttpServer().address() as AddressInfo).port;
    const script = blocks
      .join('\n')
      .replaceAll('localhost:3000', `127.0.0.1:${port}`)
      .replaceAll('npm run token --silent --', `node ${resolve('dist/src/token.js')}`);
    const { stdout } = await run('bash', ['-eu', '-c', script], { env: { ...process.env, JWT_SECRET: 'e2e-secret' }, timeout: 60_000 });

    const lines = stdout.trim().split('\n');
    const id = /^started ([0-9a-f-]{36})$/.exec(lines[0]!)?.[1];
    expect(id, stdout).toBeDefined();
    expect(lines.filter((l) => l === 'event: step.completed')).toHaveLength(3);
    expect(lines).toContain('202'); // the pause of a running execution
    expect(lines).toContain('paused');
    expect(lines).toContain('200'); // the resume
    expect(lines).toContain('event: finished');
    expect(lines.find((l) => l.startsWith('data: {"execution_id"') && l.includes('"status":"completed"'))).toBeDefined();
    expect(lines.at(-1)).toMatch(/^started step_completed .*paused resumed started .*step_completed completed$/);
    const row = (await db.sql.query(`SELECT status, step_count, tenant_id, user_id FROM agent_executions WHERE id = $1`, [id])).rows[0];
    expect(row).toEqual({ status: 'completed', step_count: 8, tenant_id: 'acme', user_id: 'ada' });
  });

  it('approves a tool call with the shell block of the tool approvals section', async () => {
    const [block] = tutorialBlocks('bash', 'approval');
    expect(block).toBeDefined();
    const port = (example.app.getHttpServer().address() as AddressInfo).port;
    const script = block!
      .replaceAll('localhost:3000', `127.0.0.1:${port}`)
      .replaceAll('npm run token --silent --', `node ${resolve('dist/src/token.js')}`);
    const { stdout } = await run('bash', ['-eu', '-c', script], { env: { ...process.env, JWT_SECRET: 'e2e-secret' }, timeout: 60_000 });
    expect(stdout.trim()).toBe('pending');
    const { rows } = await db.sql.query(
      `SELECT id FROM agent_executions WHERE agent_type = 'code-assistant' AND tenant_id = 'acme' ORDER BY created_at DESC LIMIT 1`,
    );
    expect((await waitForStatus(example, db, rows[0].id, ['completed', 'failed'])).status).toBe('completed');
  });

  it("adds the tutorial's own agent to the example app, as written, and runs it to its answer", async () => {
    const [source] = tutorialBlocks('ts');
    // NOTE: the block is saved and imported as written: its `import … from 'nestjs-agents'` reaches
    // the library the example app itself imports by that name.
    const dir = resolve('test/.tmp');
    mkdirSync(dir, { recursive: true });
    const file = resolve(dir, `countdown-${process.pid}.agent.ts`);
    writeFileSync(file, source!);
    const { CountdownAgent } = (await import(pathToFileURL(file).href)) as { CountdownAgent: new () => AgentStepper };

    // "Add it to a module's providers, restart, and start it with {…}": the body is the README's own.
    const body = /start it with `(\{"agent_type":"countdown".*?\})`/.exec(readFileSync(resolve('README.md'), 'utf8'))?.[1];
    expect(body).toBeDefined();
    const agentDb = await createTestDatabase();
    const app = await startExampleApp(agentDb, uniquePrefix(), { AGENTS_TIERS: '{}' }, [CountdownAgent]);
    try {
      const base = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
      const headers = {
        authorization: `Bearer ${app.token({ tenantId: 'acme', userId: 'ada', tier: 'pro' })}`,
        'content-type': 'application/json',
      };
      const started = await fetch(`${base}/api/agents`, { method: 'POST', headers, body });
      expect(started.status).toBe(201);
      const { id } = (await started.json()) as { id: string };
      expect(await waitForStatus({ events: app.events }, agentDb, id, ['completed', 'failed'])).toMatchObject({
        status: 'completed',
        step_count: 4,
        output: 'liftoff',
      });
    } finally {
      await app.close();
      await agentDb.drop();
    }
  });

  it("runs the README's pipeline examples as written against the example app's agents", async () => {
    const readme = readFileSync(resolve('README.md'), 'utf8');
    const examples = [...readme.matchAll(/```json pipeline\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples).toHaveLength(2);
    const base = `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`;
    const headers = {
      authorization: `Bearer ${example.token({ tenantId: 'acme', userId: 'ada', tier: 'pro' })}`,
      'content-type': 'application/json',
    };
    for (const body of examples) {
      const created = await fetch(`${base}/api/pipelines`, { method: 'POST', headers, body });
      expect(created.status, await created.clone().text()).toBe(201);
      const { id } = (await created.json()) as { id: string };
      let view: { status: string; stage_outputs: Record<string, unknown> } = { status: '', stage_outputs: {} };
      for (
        const deadline = Date.now() + 30_000;
        Date.now() < deadline && !['completed', 'failed', 'cancelled'].includes(view.status);
        await new Promise((r) => setTimeout(r, 100))
      ) {
        view = (await (await fetch(`${base}/api/pipelines/${id}`, { headers })).json()) as typeof view;
      }
      expect(view.status).toBe('completed');
    }
    // The pass-through: the `steps` stage got the pipeline's input as its own, `{ "steps": 2 }`.
    const { rows } = await db.sql.query(
      `SELECT input, step_count FROM agent_executions WHERE agent_type = 'steps' AND pipeline_id IS NOT NULL`,
    );
    expect(rows).toEqual([{ input: { steps: 2 }, step_count: 2 }]);
  });
});
