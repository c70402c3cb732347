import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';

export interface OpenAiCompatibleModelOptions {
  /** Base URL of the API, up to and including the version segment: `http://localhost:11434/v1`. */
  baseURL: string;
  apiKey?: string;
  /** The model id the server knows, e.g. `gpt-4o-mini` or `llama3.1`. */
  model: string;
  /** Provider name, shown in the SDK's metadata and used as the provider-options key. */
  name?: string;
}

/**
 * A chat model on any OpenAI-compatible server (OpenAI, vLLM, Ollama, LM Studio, LiteLLM, ...).
 * Streams report their token usage (`stream_options.include_usage`), which the runtime needs
 * to account tokens and enforce limits.
 *
 * @example
 * const model = createOpenAiCompatibleModel({ baseURL: 'http://localhost:11434/v1', model: 'llama3.1' });
 * const agent = defineLlmAgent({ name: 'helper', model, system: 'Be brief.' });
 */
export function createOpenAiCompatibleModel(options: OpenAiCompatibleModelOptions): LanguageModelV4 {
  const provider = createOpenAICompatible({
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    name: options.name ?? 'openai-compatible',
    // Without it, OpenAI-style servers send no usage in streamed responses and every step counts 0 tokens.
    includeUsage: true,
  });
  return provider.chatModel(options.model);
}
