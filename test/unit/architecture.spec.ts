import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkArchitecture, formatViolations, loadRules, type RuleName, type Violation } from '../../scripts/check-architecture.js';

const RULES: [RuleName, string][] = [
  ['layer-order', 'a folder only imports folders below it in the layer order, and none imports the root files'],
  ['folder-cycle', 'sibling folders form no import cycle'],
  ['file-cycle', 'files form no import cycle (type-only imports included)'],
  ['kernel-tables', 'only the kernel SQL files write the kernel tables'],
  ['kernel-sql', 'no file outside executions/ imports the kernel SQL'],
  ['framework-free', 'runtime/ imports no framework'],
  ['example-app', 'the library never imports the example app, which uses the library by its package name'],
];

function expectNone(violations: Violation[], rule: RuleName): void {
  const found = violations.filter((v) => v.rule === rule);
  if (found.length > 0) expect.fail(`\n${formatViolations(found)}\n(\`node scripts/check-architecture.ts --all\` lists every import)`);
}

describe('the house rules (scripts/architecture.json)', () => {
  const violations = checkArchitecture();

  it.each(RULES)('%s: %s', (rule) => expectNone(violations, rule));
});

describe('the architecture check', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'architecture-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('src/agent/runtime/loop.ts', "import { Injectable } from '@nestjs/common';\nimport type { Step } from '../executions/step.js';\n");
  write(
    'src/agent/executions/step.ts',
    "import { loop } from '../runtime/loop.js';\nexport const SQL = `UPDATE agent_logs SET x = ${1}`;\n",
  );
  write('src/agent/executions/step.sql.ts', 'export const SQL = `INSERT INTO agent_executions (id) VALUES ($1)`;\n');
  write(
    'src/agent/pipelines/advance.ts',
    "import { SQL } from '../executions/step.sql.js';\n// DELETE FROM agent_messages\nconst q = 'DELETE FROM agent_executions';\n",
  );
  write('src/agent/pipelines/options.ts', "import type { AgentOptions } from '../agent.options.js';\n");
  write('src/agent/agent.options.ts', "import { advance } from './pipelines/advance.js';\n");
  write('src/agent/migrations/1-Initial.ts', "export const up = 'INSERT INTO agent_logs (id) VALUES (1)';\n");
  write('src/agent/sandbox/run.ts', "import { loop } from '../runtime/loop.js';\n");
  write('src/demo/demo.agent.ts', "import { Agent } from '../agent/agent.options.js';\n");
  const found = checkArchitecture(root, loadRules());
  const report = formatViolations(found, Infinity);

  it('finds an import up the layer order, one into the root files and a folder missing from the order', () => {
    expect(report).toContain("src/agent/runtime/loop.ts:2 imports '../executions/step.js'");
    expect(report).toContain('src/agent/agent.options.ts sits above the parts it composes');
    expect(report).toContain("src/agent/pipelines/options.ts:1 imports '../agent.options.js'");
    expect(report).toContain('src/agent/sandbox has no place in the layer order');
  });

  it('finds folder and file cycles, type-only imports included', () => {
    expect(found.filter((v) => v.rule === 'folder-cycle').map((v) => v.summary)).toEqual([
      'folders import each other: src/agent/executions, src/agent/runtime',
    ]);
    expect(found.filter((v) => v.rule === 'file-cycle').map((v) => v.summary)).toEqual([
      'files import each other: src/agent/executions/step.ts, src/agent/runtime/loop.ts',
    ]);
  });

  it('finds kernel table writes in string and template literals outside the kernel SQL files, not in comments or migrations', () => {
    expect(found.filter((v) => v.rule === 'kernel-tables').flatMap((v) => v.causes)).toEqual([
      'src/agent/executions/step.ts:2 UPDATE agent_logs',
      'src/agent/pipelines/advance.ts:3 DELETE FROM agent_executions',
    ]);
    expect(found.filter((v) => v.rule === 'kernel-sql').flatMap((v) => v.causes)).toEqual([
      "src/agent/pipelines/advance.ts:1 imports '../executions/step.sql.js'",
    ]);
  });

  it('finds a framework in runtime/ and the example app reaching the library by path', () => {
    expect(found.filter((v) => v.rule === 'framework-free').flatMap((v) => v.causes)).toEqual([
      "src/agent/runtime/loop.ts:1 imports '@nestjs/common'",
    ]);
    expect(found.filter((v) => v.rule === 'example-app').flatMap((v) => v.causes)).toEqual([
      "src/demo/demo.agent.ts:1 imports '../agent/agent.options.js'",
    ]);
  });
});
