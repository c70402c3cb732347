import { describe, expect, it } from 'vitest';
import { findUnstorable, MAX_INPUT_DEPTH } from '../../src/agent/http/storable-input.js';

describe('findUnstorable', () => {
  it('accepts what PostgreSQL stores, emoji (surrogate pairs) and deep-but-allowed JSON included', () => {
    let nested: unknown = 'leaf';
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) nested = { a: nested };
    for (const ok of [null, 1, -0.5, true, 'plain', '😀 ok', ['x', { y: 'z' }], { 'odd key': 1 }, nested])
      expect(findUnstorable(ok)).toBeNull();
  });

  it('names the path of the first value it refuses', () => {
    expect(findUnstorable({ input: { items: ['ok', 'a\u0000b'] } })).toBe(
      'input.items[1] contains a NUL character (\\u0000), which cannot be stored',
    );
    expect(findUnstorable({ metadata: { 'a-b': 'x\ud800' } })).toBe(
      'metadata["a-b"] contains an unpaired UTF-16 surrogate, which cannot be stored',
    );
    expect(findUnstorable({ input: { ['k\u0000']: 1 } })).toBe('a key in input contains a NUL character (\\u0000), which cannot be stored');
    expect(findUnstorable({ n: JSON.parse('1e400') })).toBe('n is out of range');
    expect(findUnstorable('\udc00')).toBe('the request contains an unpaired UTF-16 surrogate, which cannot be stored');
  });

  it('stops at the depth limit without recursion, however deep the value', () => {
    const deep = JSON.parse('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000));
    expect(findUnstorable({ input: deep })).toMatch(/^input(\.a)+ is nested deeper than 64 levels$/);
  });
});
