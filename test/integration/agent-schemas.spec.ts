import request from 'supertest';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  Agent,
  createScriptedModel,
  defineAgent,
  defineLlmAgent,
  EventTriggerService,
  InvalidInputError,
  PipelinesService,
  step,
  type AgentInput,
  type AgentState,
  type AgentStepper,
  type AgentTypeView,
  type StepContext,
} from '../../src/agent/index.js';
import { AgentRegistry } from '../../src/agent/executions/registry/agent-registry.js';
import { AgentsApiError, AgentsClient } from '../../client/index.js';
import { EchoAgent, waitForPipeline } from '../support/pipelines.js';
import { principal, startTestApp, waitForStatus, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const ReportInput = z.object({
  topic: z.string().min(3),
  sources: z.array(z.url()).max(3).default([]),
  depth: z.number().int().min(1).max(5).default(2),
});

/** A custom agent whose `state.input` is typed by its schema (the schema's output: defaults filled in). */
@Agent({ name: 'report', description: 'Writes a report', inputSchema: ReportInput })
class ReportAgent implements AgentStepper<AgentInput<typeof ReportInput>> {
  async step(state: AgentState<AgentInput<typeof ReportInput>>, _ctx: StepContext) {
    expectTypeOf(state.input.depth).toEqualTypeOf<number>();
    return step.done({ about: state.input.topic.toUpperCase(), sources: state.input.sources.length, depth: state.input.depth });
  }
}

const TicketInput = v.object({ title: v.pipe(v.string(), v.minLength(5)), priority: v.picklist(['low', 'high']) });

/** An object agent, typed through `defineAgent`, validated by valibot (which has no JSON Schema of its own). */
const ticketAgent = defineAgent({
  name: 'ticket',
  inputSchema: TicketInput,
  step: async (state) => step.done(`${state.input.priority}: ${state.input.title}`),
});

/** What conversations hand their agent: `{ prompt }`; this one takes short prompts only. */
const shortChat = defineAgent({
  name: 'short-chat',
  inputSchema: z.object({ prompt: z.string().max(20) }),
  step: async (state) => step.done(`heard ${state.input.prompt}`),
});

const Forecast = z.object({ city: z.string(), celsius: z.number() });
const forecaster = (name: string, answer: string) =>
  defineLlmAgent({ name, model: createScriptedModel({ script: () => ({ text: answer }) }), system: 'JSON only.', outputSchema: Forecast });

/** Spawns the `typed-child` subagent with whatever `input.child` it was given. */
const spawner = defineAgent({
  name: 'spawner',
  step: async (state) =>
    state.stepCount === 0
      ? step.spawn([{ subagent: 'typed-child', input: (state.input as { child: never }).child }])
      : step.done('children done'),
});

describe('input and output schemas', () => {
  let db: TestDatabase;
  let t: TestApp;
  const http = () => request(t.app.getHttpServer());
  const count = async (table: string) => Number((await db.sql.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport: 'postgres',
      db,
      queuePrefix: uniquePrefix(),
      agents: [
        ticketAgent,
        shortChat,
        forecaster('forecast-ok', '{"city":"Paris","celsius":21}'),
        forecaster('forecast-bad', 'Sunny!'),
        spawner,
      ],
      providers: [ReportAgent, EchoAgent],
      options: {
        subagents: {
          specs: [
            {
              name: 'typed-child',
              description: 'Takes a city',
              systemPrompt: 'You look up a city.',
              inputSchema: z.object({ city: z.string() }),
            },
          ],
          model: createScriptedModel({ script: () => ({ text: 'looked it up' }) }),
        },
        maintenance: { enabled: false },
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('answers a REST start with bad input 400 with the field errors, and writes nothing', async () => {
    const before = await count('agent_executions');
    const answer = await http()
      .post('/api/agents')
      .send({ agent_type: 'report', input: { topic: 'x', sources: ['not a url'], depth: 9 } })
      .expect(400);

    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', details: { code: 'invalid_input', agent_type: 'report' } });
    expect(answer.body.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['depth', 'sources.0', 'topic']);
    for (const field of answer.body.details.fields) expect(field.message).toEqual(expect.any(String));
    expect(answer.body.message).toContain("input schema of agent type 'report'");
    expect(await count('agent_executions')).toBe(before);
  });

  it('stores what the schema outputs, and the step gets it typed', async () => {
    const answer = await http()
      .post('/api/agents')
      .send({ agent_type: 'report', input: { topic: 'tides' } })
      .expect(201);
    expect(answer.body.input).toEqual({ topic: 'tides', sources: [], depth: 2 });
    const row = await waitForStatus(t, db, answer.body.id, ['completed', 'failed']);
    expect(row).toMatchObject({ status: 'completed', output: { about: 'TIDES', sources: 0, depth: 2 } });
  });

  it('types the decorator: a class whose step takes another input than the schema gives does not compile', () => {
    // NOTE: checked by `tsc --noEmit` (npm run lint); never called, so nothing is registered.
    const declareWrong = () => {
      // @ts-expect-error the schema gives { topic, sources, depth }, the step wants { foo }
      @Agent({ name: 'wrong', inputSchema: ReportInput })
      class WrongAgent implements AgentStepper<{ foo: number }> {
        async step(state: AgentState<{ foo: number }>) {
          return step.done(state.input.foo);
        }
      }
      return WrongAgent;
    };
    expect(declareWrong).toBeTypeOf('function');
  });

  it('validates with valibot the same way', async () => {
    const bad = await http()
      .post('/api/agents')
      .send({ agent_type: 'ticket', input: { title: 'hi', priority: 'urgent' } })
      .expect(400);
    expect(bad.body.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['priority', 'title']);
    const good = await http()
      .post('/api/agents')
      .send({ agent_type: 'ticket', input: { title: 'Broken login', priority: 'high' } });
    expect(good.status).toBe(201);
    expect(await waitForStatus(t, db, good.body.id, ['completed', 'failed'])).toMatchObject({ output: 'high: Broken login' });
  });

  it('lists the agent types with their JSON Schemas, or a note where a schema has none', async () => {
    const { body } = await http().get('/api/agents/types').expect(200);
    const byName = new Map<string, AgentTypeView>(body.data.map((a: AgentTypeView) => [a.name, a]));
    expect(byName.get('report')).toMatchObject({
      description: 'Writes a report',
      queue: 'agents-default',
      input_schema: { type: 'object', required: ['topic'], properties: { topic: { type: 'string', minLength: 3 } } },
      output_schema: null,
    });
    expect(byName.get('ticket')).toMatchObject({ input_schema: null, input_schema_note: expect.stringContaining('valibot') });
    expect(byName.get('forecast-ok')).toMatchObject({
      input_schema: null,
      output_schema: { type: 'object', required: ['city', 'celsius'] },
    });
    expect(byName.get('echo')).toMatchObject({ input_schema: null, output_schema: null });
    expect(byName.get('echo')).not.toHaveProperty('input_schema_note');
    expect(byName.get('subagent.typed-child')).toMatchObject({ input_schema: { required: ['city'] } });

    // What an API document includes: the types whose input has a JSON Schema.
    expect(Object.keys(t.app.get(AgentRegistry).inputJsonSchemas()).sort()).toEqual(['report', 'short-chat', 'subagent.typed-child']);
  });

  it('gives the typed client the types and the field errors', async () => {
    await t.app.listen(0, '127.0.0.1');
    const client = new AgentsClient({ baseUrl: await t.app.getUrl() });
    const { data } = await client.types();
    expect(data.find((a) => a.name === 'report')?.input_schema).toMatchObject({ required: ['topic'] });
    const refused = await client.start('report', { topic: 'x' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AgentsApiError);
    expect(refused).toMatchObject({ statusCode: 400, details: { code: 'invalid_input', fields: [{ path: 'topic' }] } });
  });

  it('checks starts from code, scheduled starts and event waits', async () => {
    const before = await count('agent_executions');
    await expect(t.manager.start(principal(), 'report', { topic: 1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(t.manager.scheduleAt(principal(), 'report', {}, new Date(Date.now() + 60_000))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(t.app.get(EventTriggerService).startAwaitingEvent(principal(), 'report', { topic: 'x' }, 'go')).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(await count('agent_executions')).toBe(before);
  });

  it('checks a conversation turn (its input is { prompt })', async () => {
    const [conversations, executions] = [await count('agent_conversations'), await count('agent_executions')];
    const bad = await http()
      .post('/api/conversations')
      .send({ agent_type: 'short-chat', message: 'a message far longer than twenty characters' })
      .expect(400);
    expect(bad.body.details).toMatchObject({ code: 'invalid_input', fields: [{ path: 'prompt' }] });
    expect([await count('agent_conversations'), await count('agent_executions')]).toEqual([conversations, executions]);
    await http().post('/api/conversations').send({ agent_type: 'short-chat', message: 'hello' }).expect(201);
  });

  it('checks a pipeline: its first stage at creation, a later stage when it would start', async () => {
    const pipelines = t.app.get(PipelinesService);
    const [before, runs] = [await count('agent_pipelines'), await count('agent_executions')];
    await expect(
      pipelines.create(principal(), {
        stages: [{ name: 'r', agent_type: 'report', prompt_template: '{initial_input}' }],
        input: { topic: 1 },
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect([await count('agent_pipelines'), await count('agent_executions')]).toEqual([before, runs]);

    // `echo` answers a string; `ticket` wants an object: the second stage cannot start.
    const created = await pipelines.create(principal(), {
      stages: [
        { name: 'first', agent_type: 'echo' },
        { name: 'second', agent_type: 'ticket', prompt_template: '{previous_output}' },
      ],
      input: 'hello',
    });
    const row = await waitForPipeline(t, db, created.id, ['failed', 'completed']);
    expect(row.status).toBe('failed');
    expect(row.error).toMatchObject({
      code: 'invalid_input',
      stage: 'second',
      stage_index: 1,
      fields: [expect.objectContaining({ path: '' })],
    });
    expect(await db.sql.query('SELECT count(*)::int AS n FROM agent_executions WHERE pipeline_id = $1', [created.id])).toMatchObject({
      rows: [{ n: 1 }],
    });
  });

  it('fails a run that spawns a child with input its schema rejects, and starts no child', async () => {
    const bad = await t.manager.start(principal(), 'spawner', { child: { town: 'Oslo' } });
    const row = await waitForStatus(t, db, bad.id, ['completed', 'failed', 'awaiting_children']);
    expect(row.status).toBe('failed');
    expect(row.error).toMatchObject({ code: 'step_error', message: expect.stringContaining("cannot spawn 'typed-child'") });
    expect(row.error!.message).toContain('city');
    expect((await db.sql.query('SELECT count(*)::int AS n FROM agent_executions WHERE parent_execution_id = $1', [bad.id])).rows[0].n).toBe(
      0,
    );

    const good = await t.manager.start(principal(), 'spawner', { child: { city: 'Oslo' } });
    expect(await waitForStatus(t, db, good.id, ['completed', 'failed'])).toMatchObject({ status: 'completed' });
  });

  it("validates an LLM agent's final answer against its output schema", async () => {
    const ok = await t.manager.start(principal(), 'forecast-ok', 'Weather in Paris?');
    expect(await waitForStatus(t, db, ok.id, ['completed', 'failed'])).toMatchObject({
      status: 'completed',
      output: { city: 'Paris', celsius: 21 },
    });

    const bad = await t.manager.start(principal(), 'forecast-bad', 'Weather in Paris?');
    const row = await waitForStatus(t, db, bad.id, ['completed', 'failed']);
    expect(row.status).toBe('failed');
    expect(row.error).toMatchObject({
      code: 'invalid_output',
      message: expect.stringContaining("output schema of agent type 'forecast-bad'"),
    });
  });
});
