import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStepper } from '../../src/agent/index.js';
import { startExampleApp, type ExampleApp } from '../support/example-app.js';
import { principal, startTestApp, waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const run = promisify(execFile);

/** The README's tutorial blocks (```bash tutorial / ```ts tutorial), in order. */
function tutorialBlocks(language: 'bash' | 'ts'): string[] {
  const readme = readFileSync(resolve('README.md'), 'utf8');
  return [...readme.matchAll(new RegExp('```' + language + ' tutorial\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/**
 * The README's tutorial, run as written against the example app, so the README cannot rot. Two
 * substitutions only: the app listens on a free port instead of 3000, and the token comes from the
 * built script (`npm run token` would rebuild `dist/` under the other tests' feet).
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

  it("runs the tutorial's own agent to its answer", async () => {
    const [source] = tutorialBlocks('ts');
    const dir = resolve('test/.tmp');
    mkdirSync(dir, { recursive: true });
    const file = resolve(dir, `readme-agent-${process.pid}.ts`);
    writeFileSync(file, source!.replaceAll("'nestjs-agents'", `'${resolve('src/agent/index.js')}'`));
    const module = (await import(pathToFileURL(file).href)) as Record<string, new () => AgentStepper>;

    const agentDb = await createTestDatabase();
    const t = await startTestApp({ transport: 'postgres', db: agentDb, queuePrefix: uniquePrefix(), providers: [module.CountdownAgent!] });
    try {
      const execution = await t.manager.start(principal(), 'countdown', { from: 3 });
      expect(await waitForStatus(t, agentDb, execution.id, ['completed', 'failed'])).toMatchObject({ status: 'completed', step_count: 4, output: 'liftoff' });
    } finally {
      await t.close();
      await agentDb.drop();
    }
  });
});
