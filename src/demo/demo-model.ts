import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModel } from 'ai';
import { createOpenAiCompatibleModel, createScriptedModel } from 'nestjs-agents';

/** Which model the demo's LLM agents use: the example app reads it from `LLM_PROVIDER` and friends. */
export interface DemoLlm {
  provider: 'scripted' | 'openai' | 'anthropic' | 'openai-compatible';
  /** A proxy or gateway in front of OpenAI or Anthropic; the server of an OpenAI-compatible provider. */
  baseUrl: string | null;
  apiKey?: string;
  model: string;
}

/**
 * The model, through the AI SDK's own provider package for each vendor: OpenAI's Responses API,
 * Anthropic's Messages API, any OpenAI-compatible Chat Completions server; offline, the scripted model.
 */
export function demoModel(llm: DemoLlm): LanguageModel {
  const baseURL = llm.baseUrl ?? undefined;
  switch (llm.provider) {
    case 'openai':
      return createOpenAI({ apiKey: llm.apiKey, baseURL }).responses(llm.model);
    case 'anthropic':
      return createAnthropic({ apiKey: llm.apiKey, baseURL })(llm.model);
    case 'openai-compatible':
      return createOpenAiCompatibleModel({ baseURL: baseURL!, apiKey: llm.apiKey, model: llm.model });
    case 'scripted':
      return createScriptedModel();
  }
}
