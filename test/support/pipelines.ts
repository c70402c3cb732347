import { setTimeout as sleep } from 'node:timers/promises';
import {
  Agent,
  ExecutionEventName,
  step,
  type AgentState,
  type AgentStepper,
  type ExecutionEvents,
  type StepContext,
  type StepResult,
} from '../../src/agent/index.js';
import type { TestDatabase } from './test-database.js';

/**
 * Answers `echo(<prompt>)`, so what each stage received shows in what the next one gets. A prompt
 * containing FAIL fails its first step; one containing SLOW runs 30 ms steps until it is stopped.
 */
@Agent({ name: 'echo', description: 'Echoes its prompt (pipeline tests)', limits: { maxSteps: 10_000 } })
export class EchoAgent implements AgentStepper {
  async step(state: AgentState, ctx: StepContext): Promise<StepResult> {
    // A stage gets `{ prompt }`, or the JSON value itself when its template is one whole placeholder.
    const input = state.input as unknown;
    const prompt =
      typeof input === 'string'
        ? input
        : typeof (input as { prompt?: unknown } | null)?.prompt === 'string'
          ? (input as { prompt: string }).prompt
          : JSON.stringify(input);
    if (prompt.includes('FAIL')) throw new Error(`Failed as asked by: ${prompt}`);
    if (prompt.includes('SLOW')) {
      await sleep(30, undefined, { signal: ctx.signal });
      return step.continue({ messages: [{ role: 'assistant', content: 'still working' }] });
    }
    return step.done(`echo(${prompt})`, { messages: [{ role: 'assistant', content: `echo(${prompt})` }] });
  }
}

export interface PipelineRow {
  status: string;
  current_stage: number;
  stage_outputs: Record<string, unknown>;
  output: unknown;
  error: Record<string, unknown> | null;
}

/** Resolves when the pipeline reaches one of `statuses`: re-reads its row on each `pipeline.updated` (and once at once). */
export function waitForPipeline(
  t: { events: ExecutionEvents },
  db: TestDatabase,
  id: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<PipelineRow> {
  return new Promise((resolve, reject) => {
    let done = false;
    const read = async () =>
      (await db.sql.query('SELECT status, current_stage, stage_outputs, output, error FROM agent_pipelines WHERE id = $1', [id]))
        .rows[0] as PipelineRow | undefined;
    const check = async () => {
      const row = await read();
      if (done || !row || !statuses.includes(row.status)) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(row);
    };
    const unsubscribe = t.events.subscribe((event) => {
      if (event.name === ExecutionEventName.PipelineUpdated && event.id === id) void check().catch(reject);
    });
    const timer = setTimeout(async () => {
      unsubscribe();
      reject(new Error(`Pipeline ${id} did not reach ${statuses.join('|')} within ${timeoutMs} ms (now ${JSON.stringify(await read())})`));
    }, timeoutMs);
    void check().catch(reject);
  });
}

/** The stage executions of a pipeline, by stage index then stage name. */
export async function stageRows(db: TestDatabase, pipelineId: string) {
  const { rows } = await db.sql.query<{
    id: string;
    stage_index: number;
    stage: string;
    status: string;
    prompt: string;
    output: unknown;
    settle_pending: boolean;
  }>(
    `SELECT id, stage_index, metadata->>'pipeline_stage' AS stage, status, CASE WHEN jsonb_typeof(input) = 'object' AND input ? 'prompt' THEN input->>'prompt' ELSE input #>> '{}' END AS prompt, output, settle_pending
     FROM agent_executions WHERE pipeline_id = $1 ORDER BY stage_index, metadata->>'pipeline_stage'`,
    [pipelineId],
  );
  return rows;
}
