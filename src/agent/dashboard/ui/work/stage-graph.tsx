import type { JsonValue, PipelineStage } from '../../../../../client/index.js';
import { JsonView } from '../components/json-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { shortId } from '../format.js';
import { href } from '../route.js';
import './work.css';

export type StageSlot = PipelineStage | { parallel: PipelineStage[] };

function StageBox({ stage, output, current }: { stage: PipelineStage; output: JsonValue | undefined; current: boolean }) {
  return (
    <div
      class={`stage-box stage-${stage.status} ${current ? 'is-current' : ''}`}
      data-testid={`stage-${stage.name}`}
      data-status={stage.status}
    >
      <div class="stage-name">
        <strong>{stage.name}</strong>
      </div>
      <div class="muted stage-type">{stage.agent_type}</div>
      <div class="stage-status">
        <StatusBadge status={stage.status} testId={`stage-status-${stage.name}`} />{' '}
        {stage.execution_id && (
          <a href={href.run(stage.execution_id)} class="mono" title={stage.execution_id} aria-label={`Run of stage ${stage.name}`}>
            {shortId(stage.execution_id)}
          </a>
        )}
      </div>
      {output !== undefined && (
        <details class="stage-output">
          <summary>Output</summary>
          <JsonView value={output} label={`Output of stage ${stage.name}`} testId={`stage-output-${stage.name}`} />
        </details>
      )}
    </div>
  );
}

/**
 * A pipeline's stages as a graph: left to right, a parallel group's members stacked in one
 * column, connectors between the columns (top to bottom on narrow screens). Drawn with CSS only.
 */
export function StageGraph({
  stages,
  outputs,
  currentStage,
  running,
}: {
  stages: StageSlot[];
  outputs: Record<string, JsonValue>;
  currentStage: number;
  running: boolean;
}) {
  return (
    <ol class="stage-graph" data-testid="stage-graph" aria-label="Stages, in order">
      {stages.map((slot, index) => {
        const members = 'parallel' in slot ? slot.parallel : [slot];
        const current = running && index === currentStage;
        return (
          <li class={`stage-col ${members.length > 1 ? 'parallel' : ''}`} data-index={index}>
            {index > 0 && <span class="edge" aria-hidden="true" />}
            {members.length > 1 && <span class="visually-hidden">In parallel:</span>}
            <ul class="stage-members">
              {members.map((m) => (
                <li>
                  {members.length > 1 && <span class="join join-in" aria-hidden="true" />}
                  <StageBox stage={m} output={outputs[m.name]} current={current} />
                  {members.length > 1 && <span class="join join-out" aria-hidden="true" />}
                </li>
              ))}
            </ul>
          </li>
        );
      })}
    </ol>
  );
}
