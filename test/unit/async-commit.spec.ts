import { describe, expect, it } from 'vitest';
import { asyncCommitting } from '../../src/agent/infrastructure/async-commit.js';

describe('asyncCommitting', () => {
  it('turns synchronous_commit off for the connection, keeping what else it was given', () => {
    expect(asyncCommitting({ connectionString: 'postgres://h/db' })).toEqual({
      connectionString: 'postgres://h/db',
      options: '-c synchronous_commit=off',
    });
    expect(asyncCommitting({ host: 'h', options: '-c statement_timeout=5000' }).options).toBe(
      '-c statement_timeout=5000 -c synchronous_commit=off',
    );
  });
});
