import { jsonSchema, tool } from 'ai';
import { z } from 'zod';
import { defineLlmAgent, type AgentDefinition, type SubagentSpec } from 'nestjs-agents';
import { demoModel, type DemoLlm } from './demo-model.js';

/** A small fixed project the demo tools look at, so runs are deterministic. */
const PROJECT: Record<string, string> = {
  'README.md': '# demo\nA tiny project for the code-assistant demo.',
  'src/index.ts': 'export const add = (a: number, b: number) => a + b;',
  'src/index.spec.ts': 'expect(add(1, 2)).toBe(3);',
};

const tools = {
  list_files: tool({
    description: 'List the files of the project',
    inputSchema: jsonSchema<{ prefix?: string }>({ type: 'object', properties: { prefix: { type: 'string' } } }),
    // A prefix that is not a path (the scripted model passes the question itself) lists everything.
    execute: async ({ prefix }) => Object.keys(PROJECT).filter((f) => !prefix || /\s/.test(prefix) || f.startsWith(prefix)),
  }),
  read_file: tool({
    description: 'Read one file of the project',
    inputSchema: jsonSchema<{ path: string }>({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }),
    execute: async ({ path }) => PROJECT[path] ?? `No such file: ${path}`,
  }),
  // Running something is not looking: a person approves each call first (the run waits, holding no worker).
  run_tests: tool({
    description: 'Run the test suite of the project',
    inputSchema: jsonSchema<{ filter?: string }>({ type: 'object', properties: { filter: { type: 'string' } } }),
    needsApproval: true,
    execute: async () => `1 passed (src/index.spec.ts): ${PROJECT['src/index.spec.ts']}`,
  }),
};

/** The subagent `fan-out` hands its topics to. */
export const summariserSpec = (llm: DemoLlm): SubagentSpec => ({
  name: 'summariser',
  description: 'Summarises one topic in a sentence',
  systemPrompt: 'You summarise the topic you are given in one sentence.',
  model: demoModel(llm),
  limits: { maxSteps: 3 },
});

/** What a start of `code-assistant` gives: the question (conversations hand every turn over as `{ prompt }` too). */
export const CodeAssistantInput = z.object({ prompt: z.string().min(1).max(10_000).describe('The question about the project') });

/** The demo LLM agent: the scripted offline model by default, OpenAI, Anthropic or an OpenAI-compatible server by configuration. */
export function createCodeAssistant(llm: DemoLlm): AgentDefinition {
  return defineLlmAgent({
    name: 'code-assistant',
    description: 'Answers questions about a small project, using file tools; running its tests needs approval',
    inputSchema: CodeAssistantInput,
    model: demoModel(llm),
    system: 'You are a careful coding assistant. Use the tools to look at the project before answering.',
    tools,
    limits: { maxSteps: 20 },
  });
}
