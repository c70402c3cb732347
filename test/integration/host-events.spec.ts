import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentEvent,
  ConversationsService,
  PipelinesService,
  type AgentConversationTurnEvent,
  type AgentExecutionStatusEvent,
  type AgentPipelineEvent,
  type AgentStepCompletedEvent,
  type AnyAgentEvent,
  type Transport,
} from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** A host app's listener: every `agent.*` event this node hears, in order. */
@Injectable()
class AgentEventRecorder {
  readonly heard: AnyAgentEvent[] = [];

  @OnEvent('agent.**')
  record(event: AnyAgentEvent): void {
    this.heard.push(event);
  }

  of(id: string): AnyAgentEvent[] {
    return this.heard.filter(
      (e) =>
        ('executionId' in e && e.executionId === id) ||
        ('pipelineId' in e && e.pipelineId === id) ||
        ('conversationId' in e && e.conversationId === id),
    );
  }
}

const namesOf = (events: AnyAgentEvent[]) => events.map((e) => e.event);

describe.each<Transport>(['redis', 'postgres'])('host events through @nestjs/event-emitter on the %s transport', (transport) => {
  let db: TestDatabase;
  /** Runs the executions: workers on. */
  let worker: TestApp;
  /** An API node: workers off, events on. */
  let api: TestApp;
  /** A node that opted out (`hostEvents.enabled: false`). */
  let quiet: TestApp;
  const recorder = (t: TestApp) => t.app.get(AgentEventRecorder);

  beforeAll(async () => {
    db = await createTestDatabase();
    const queuePrefix = uniquePrefix();
    const node = (options: Parameters<typeof startTestApp>[0]['options']) =>
      startTestApp({
        transport,
        db,
        queuePrefix,
        providers: [StepsAgent, AgentEventRecorder],
        imports: [EventEmitterModule.forRoot({ wildcard: true })],
        options,
      });
    worker = await node({ maintenance: { enabled: false } });
    api = await node({ workers: { enabled: false }, maintenance: { enabled: false } });
    quiet = await node({ workers: { enabled: false }, maintenance: { enabled: false }, hostEvents: { enabled: false } });
  });

  afterAll(async () => {
    await quiet?.close();
    await api?.close();
    await worker?.close();
    await db?.drop();
  });

  /** Waits until `node` heard `name` for `id`. */
  const heard = async <E extends AnyAgentEvent>(node: TestApp, id: string, name: AgentEvent): Promise<E> => {
    await expect.poll(() => namesOf(recorder(node).of(id)), { timeout: 20_000, interval: 20 }).toContain(name);
    return recorder(node)
      .of(id)
      .find((e) => e.event === name) as E;
  };

  it('tells an API node that ran nothing of a run a worker executed: status changes and steps, typed, once per node, none on a node that opted out', async () => {
    const { id } = await api.manager.start(principal(), 'steps', { steps: 2 });
    const completed = await heard<AgentExecutionStatusEvent>(api, id, AgentEvent.ExecutionCompleted);
    expect(completed).toEqual({
      event: 'agent.execution.completed',
      executionId: id,
      tenantId: 't1',
      userId: 'u1',
      agentType: 'steps',
      status: 'completed',
      stepCount: 2,
      tokenUsage: 0,
      completedAt: expect.any(Date),
      error: null,
      seq: expect.any(Number),
    });
    const step = recorder(api)
      .of(id)
      .find((e) => e.event === AgentEvent.ExecutionStepCompleted) as AgentStepCompletedEvent;
    expect(step).toMatchObject({
      executionId: id,
      agentType: 'steps',
      stepNumber: 1,
      stepType: expect.any(String),
      toolNames: [],
      tokensUsed: 0,
      timestamp: expect.any(Date),
    });

    const expected = [
      'agent.execution.running',
      'agent.execution.step.completed',
      'agent.execution.step.completed',
      'agent.execution.completed',
    ];
    expect(namesOf(recorder(api).of(id))).toEqual(expected);
    // The node that committed them hears them the same way, once (off the bridge, not twice).
    await expect.poll(() => namesOf(recorder(worker).of(id)), { timeout: 5000 }).toEqual(expected);
    const seqs = recorder(api)
      .of(id)
      .map((e) => (e as AgentExecutionStatusEvent).seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(recorder(quiet).heard).toEqual([]);
  });

  it('names failures, waits, pauses and cancels', async () => {
    const failing = await api.manager.start(principal(), 'steps', { steps: 3, fail_at: 1 });
    const failed = await heard<AgentExecutionStatusEvent>(api, failing.id, AgentEvent.ExecutionFailed);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'step_error', message: expect.stringContaining('fail_at') } });

    const asking = await api.manager.start(principal(), 'steps', { steps: 3, ask_input_at: 1 });
    expect(await heard(api, asking.id, AgentEvent.ExecutionAwaitingInput)).toMatchObject({ status: 'awaiting_input', stepCount: 1 });

    const long = await api.manager.start(principal(), 'steps', { steps: 10_000, step_ms: 20 });
    await heard(api, long.id, AgentEvent.ExecutionRunning);
    await api.manager.pause(principal(), long.id);
    expect(await heard(api, long.id, AgentEvent.ExecutionPaused)).toMatchObject({ status: 'paused' });
    await api.manager.cancel(principal(), long.id);
    expect(await heard(api, long.id, AgentEvent.ExecutionCancelled)).toMatchObject({ status: 'cancelled', completedAt: expect.any(Date) });
  });

  it('tells of a conversation turn and a pipeline that ended', async () => {
    const turn = await api.app.get(ConversationsService).start(principal(), { agentType: 'steps', message: 'hello' });
    const turnEvent = await heard<AgentConversationTurnEvent>(api, turn.conversation.id, AgentEvent.ConversationTurnCompleted);
    expect(turnEvent).toMatchObject({
      conversationId: turn.conversation.id,
      executionId: turn.executionId,
      status: 'completed',
      tenantId: 't1',
      userId: 'u1',
      conversation: { id: turn.conversation.id, turn_count: 1 },
    });

    const pipeline = await api.app.get(PipelinesService).create(principal(), {
      stages: [
        { name: 'one', agent_type: 'steps' },
        { name: 'two', agent_type: 'steps' },
      ],
      input: 'go',
    });
    const ended = await heard<AgentPipelineEvent>(api, pipeline.id, AgentEvent.PipelineCompleted);
    expect(ended).toMatchObject({
      pipelineId: pipeline.id,
      status: 'completed',
      executionId: expect.any(String),
      pipeline: { id: pipeline.id, status: 'completed' },
    });
    expect(namesOf(recorder(api).of(pipeline.id))).toEqual([AgentEvent.PipelineCompleted]);
  });
});
