/** Where the example app's LLM agents get their model (`LLM_PROVIDER`). */
export const LlmProvider = {
  /** The deterministic offline model: no key, no network. */
  Scripted: 'scripted',
  /** OpenAI's Responses API through `@ai-sdk/openai`. */
  OpenAi: 'openai',
  /** Anthropic's Messages API through `@ai-sdk/anthropic`. */
  Anthropic: 'anthropic',
  /** Any server that speaks OpenAI's Chat Completions (vLLM, Ollama, LM Studio, LiteLLM, ...). */
  OpenAiCompatible: 'openai-compatible',
} as const;
export type LlmProvider = (typeof LlmProvider)[keyof typeof LlmProvider];

export interface LlmConfig {
  provider: LlmProvider;
  /** `LLM_BASE_URL`: required for `openai-compatible`; for `openai` and `anthropic` a proxy or gateway instead of the vendor's API. */
  baseUrl: string | null;
  apiKey: string | undefined;
  model: string;
}

/** The model each provider uses when `LLM_MODEL` is not set. */
export const DEFAULT_LLM_MODELS: Record<LlmProvider, string> = {
  scripted: 'scripted',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  'openai-compatible': 'gpt-4o-mini',
};

/**
 * `LLM_PROVIDER`, `LLM_BASE_URL`, `LLM_API_KEY`, `LLM_MODEL`. Without `LLM_PROVIDER`, `LLM_BASE_URL`
 * alone means an OpenAI-compatible server (as before `LLM_PROVIDER` existed) and nothing means the
 * scripted model. Combinations that cannot work are reported, never guessed around.
 */
export function readLlmConfig(env: NodeJS.ProcessEnv, problems: string[]): LlmConfig {
  const baseUrl = env.LLM_BASE_URL || null;
  const apiKey = env.LLM_API_KEY || undefined;
  const named = env.LLM_PROVIDER || null;
  const provider = (named ?? (baseUrl ? LlmProvider.OpenAiCompatible : LlmProvider.Scripted)) as LlmProvider;
  const known = Object.values(LlmProvider) as string[];
  if (!known.includes(provider)) {
    problems.push(`LLM_PROVIDER must be one of ${known.join(', ')} (got '${named}')`);
    return { provider: LlmProvider.Scripted, baseUrl: null, apiKey: undefined, model: DEFAULT_LLM_MODELS.scripted };
  }
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) problems.push('LLM_BASE_URL must be an http(s) URL');
  if (provider === LlmProvider.Scripted) {
    const set = ['LLM_BASE_URL', 'LLM_API_KEY', 'LLM_MODEL'].filter((name) => env[name]);
    if (set.length > 0) {
      problems.push(
        named
          ? `LLM_PROVIDER=scripted uses no ${set.join(', ')}: unset ${set.length > 1 ? 'them' : 'it'}, or choose another provider`
          : `${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set without LLM_PROVIDER: set LLM_PROVIDER to openai, anthropic or openai-compatible`,
      );
    }
  }
  if ((provider === LlmProvider.OpenAi || provider === LlmProvider.Anthropic) && !apiKey)
    problems.push(`LLM_PROVIDER=${provider} needs LLM_API_KEY`);
  if (provider === LlmProvider.OpenAiCompatible && !baseUrl)
    problems.push('LLM_PROVIDER=openai-compatible needs LLM_BASE_URL (the server, up to its version segment: http://localhost:11434/v1)');
  return { provider, baseUrl, apiKey, model: env.LLM_MODEL || DEFAULT_LLM_MODELS[provider] };
}
