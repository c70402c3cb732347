/** Options that cannot work, every problem listed: thrown at boot, or by `TierPolicies.replace()`. */
export class InvalidAgentOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`AgentModule options are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidAgentOptionsError';
  }
}
