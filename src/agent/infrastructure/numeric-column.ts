/**
 * PostgreSQL `bigint` and `numeric` arrive as strings (they may exceed a double); the library's
 * counters, token totals and dollar amounts stay far below 2^53, so entities read them as numbers.
 */
export const numericColumn = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };
