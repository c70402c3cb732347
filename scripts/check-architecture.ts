/**
 * The house rules a compiler does not check, read from `scripts/architecture.json`:
 *
 * - layer order: inside a layered folder, a part only imports parts of its own rank or lower
 *   (`src/agent`: runtime … dashboard, root files on top; `executions/`: entities, registry and
 *   its shared files < lifecycle < run < http < executions.module.ts). A folder missing from the
 *   order is reported too, so every new folder gets a place.
 * - no folder cycles: sibling folders at any depth never import each other round a cycle (a folder
 *   and its own subfolders may).
 * - no file cycles, type-only imports included.
 * - the kernel owns its tables: only `executions/**\/*.sql.ts` holds SQL that writes them, and no
 *   file outside `executions/` imports those SQL files.
 * - `runtime/` is framework-free.
 * - the library never imports the example app, and the example app reaches the library only by
 *   its package name, as a host does.
 *
 * Imports are read with TypeScript's own scanner and resolved as `tsc` resolves them, so type-only
 * imports, re-exports and `import('…')` types all count. Run by `test/unit/architecture.spec.ts`
 * (so in CI) and by `npm run lint`; `node scripts/check-architecture.ts --all` lists every import
 * behind a violation instead of the first few.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface ArchitectureRules {
  library: string;
  exampleApp: string[];
  packageName: string;
  layers: { folder: string; order: string[][] }[];
  kernel: { folder: string; sqlSuffix: string; tables: string[]; writersExempt: string[] };
  frameworkFree: { folder: string; forbidden: string[] };
}

export type RuleName = 'layer-order' | 'folder-cycle' | 'file-cycle' | 'kernel-tables' | 'kernel-sql' | 'framework-free' | 'example-app';

export interface Violation {
  rule: RuleName;
  summary: string;
  /** The imports (or statements) behind it, `file:line …`. */
  causes: string[];
  /** For a folder cycle: each import direction between its folders, with the imports behind it. */
  edges?: { summary: string; causes: string[] }[];
}

/** One import statement, paths relative to the repository root with forward slashes. */
interface Import {
  from: string;
  line: number;
  specifier: string;
  /** The repository file it resolves to; null for a package outside the repository. */
  to: string | null;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_FILE = /(?<!\.d)\.[cm]?[jt]s$/;
// NOTE: the options `tsc` resolves the repository with (tsconfig.json): `.js` specifiers name `.ts` files,
// and the package's own name reaches its sources through the custom condition.
const RESOLUTION: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ['nestjs-agents-source'],
  resolveJsonModule: true,
};

export function loadRules(repoRoot = REPO_ROOT): ArchitectureRules {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'scripts/architecture.json'), 'utf8')) as ArchitectureRules;
}

export function checkArchitecture(repoRoot = REPO_ROOT, rules = loadRules(repoRoot)): Violation[] {
  const files = listSourceFiles(repoRoot, 'src');
  const imports = readImports(repoRoot, files);
  return [
    ...checkLayerOrder(imports, rules),
    ...checkFolderCycles(imports, rules),
    ...checkFileCycles(imports),
    ...checkKernelTables(repoRoot, files, imports, rules),
    ...checkFrameworkFree(imports, rules),
    ...checkExampleApp(imports, rules),
  ];
}

export function formatViolations(violations: Violation[], causesShown = 5): string {
  return violations
    .map((v) => {
      const lines = [`[${v.rule}] ${v.summary}`, ...firstOf(v.causes, causesShown, '    ')];
      for (const edge of v.edges ?? []) lines.push(`    ${edge.summary}`, ...firstOf(edge.causes, causesShown, '      '));
      return lines.join('\n');
    })
    .join('\n');
}

function firstOf(causes: string[], count: number, indent: string): string[] {
  const shown = causes.slice(0, count).map((c) => indent + c);
  if (causes.length > count) shown.push(`${indent}… and ${causes.length - count} more`);
  return shown;
}

function listSourceFiles(repoRoot: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listSourceFiles(repoRoot, rel));
    else if (SOURCE_FILE.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

function readImports(repoRoot: string, files: string[]): Import[] {
  const cache = ts.createModuleResolutionCache(repoRoot, (f) => f, RESOLUTION);
  const imports: Import[] = [];
  for (const from of files) {
    const absolute = path.join(repoRoot, from);
    const text = fs.readFileSync(absolute, 'utf8');
    const lineOf = lineNumbers(text);
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const resolved = ts.resolveModuleName(ref.fileName, absolute, RESOLUTION, ts.sys, cache).resolvedModule;
      const inRepo = resolved && !resolved.isExternalLibraryImport && !resolved.resolvedFileName.includes('/node_modules/');
      imports.push({
        from,
        line: lineOf(ref.pos),
        specifier: ref.fileName,
        to: inRepo ? toRepoPath(repoRoot, resolved.resolvedFileName) : null,
      });
    }
  }
  return imports;
}

function lineNumbers(text: string): (position: number) => number {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return (position) => {
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1]! <= position) line++;
    return line + 1;
  };
}

function toRepoPath(repoRoot: string, absolute: string): string {
  return path.relative(repoRoot, absolute).split(path.sep).join('/');
}

function describeImport(i: Import): string {
  return `${i.from}:${i.line} imports '${i.specifier}'`;
}

function isInside(file: string, folder: string): boolean {
  return file.startsWith(`${folder}/`);
}

/** The part of `folder` a file belongs to: its first folder below `folder`, or for a file directly in it, its name. */
function partOf(file: string, folder: string): { name: string; isFile: boolean } {
  const [first, ...rest] = file.slice(folder.length + 1).split('/');
  return { name: first!, isFile: rest.length === 0 };
}

function rankIn(order: string[][], part: { name: string; isFile: boolean }): number {
  const exact = order.findIndex((rank) => rank.includes(part.name));
  if (exact >= 0 || !part.isFile) return exact;
  return order.findIndex((rank) => rank.includes('*.ts'));
}

function checkLayerOrder(imports: Import[], rules: ArchitectureRules): Violation[] {
  const violations: Violation[] = [];
  for (const { folder, order } of rules.layers) {
    const upward = new Map<string, Import[]>();
    const unplaced = new Map<string, string[]>();
    for (const i of imports) {
      if (!i.to || !isInside(i.from, folder) || !isInside(i.to, folder)) continue;
      const from = partOf(i.from, folder);
      const to = partOf(i.to, folder);
      if (from.name === to.name) continue;
      const fromRank = rankIn(order, from);
      const toRank = rankIn(order, to);
      for (const [part, rank] of [
        [from, fromRank],
        [to, toRank],
      ] as const) {
        if (rank < 0) unplaced.set(part.name, [...(unplaced.get(part.name) ?? []), describeImport(i)]);
      }
      if (fromRank >= 0 && toRank >= 0 && toRank > fromRank) {
        // A composing file (the library's root files, executions.module.ts) is named once with all who import it.
        const summary = to.isFile
          ? `${label(folder, to)} sits above the parts it composes, and they import it`
          : `${label(folder, from)} imports ${label(folder, to)}, which is above it in the layer order`;
        upward.set(summary, [...(upward.get(summary) ?? []), i]);
      }
    }
    for (const [part, causes] of unplaced) {
      violations.push({
        rule: 'layer-order',
        summary: `${folder}/${part} has no place in the layer order (scripts/architecture.json)`,
        causes,
      });
    }
    for (const [summary, list] of upward) violations.push({ rule: 'layer-order', summary, causes: list.map(describeImport) });
  }
  return violations;
}

function label(folder: string, part: { name: string; isFile: boolean }): string {
  return `${folder}/${part.name}${part.isFile ? '' : '/'}`;
}

/**
 * Folder graph: an import from a/x/… to a/y/… is an edge between the sibling folders a/x and a/y.
 * A file directly in a folder and that folder's subfolders may import each other (a feature and its
 * dto/); files directly in the library (the composing root) are left to the layer order.
 */
function checkFolderCycles(imports: Import[], rules: ArchitectureRules): Violation[] {
  const edges = new Map<string, Map<string, Import[]>>();
  for (const i of imports) {
    if (!i.to || !isInside(i.from, rules.library) || !isInside(i.to, rules.library)) continue;
    const a = path.posix.dirname(i.from).split('/');
    const b = path.posix.dirname(i.to).split('/');
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    if (common >= a.length || common >= b.length) continue;
    const source = a.slice(0, common + 1).join('/');
    const target = b.slice(0, common + 1).join('/');
    const out = edges.get(source) ?? new Map<string, Import[]>();
    out.set(target, [...(out.get(target) ?? []), i]);
    edges.set(source, out);
  }
  const graph = new Map([...edges].map(([node, out]) => [node, [...out.keys()]]));
  return stronglyConnected(graph).map((group) => {
    const members = new Set(group);
    const cycleEdges: { summary: string; causes: string[] }[] = [];
    for (const source of group) {
      for (const [target, list] of edges.get(source) ?? []) {
        if (!members.has(target)) continue;
        const count = `${list.length} import${list.length === 1 ? '' : 's'}`;
        const against = isAgainstOrder(source, target, rules);
        const summary = `${source} -> ${target} (${count}${against ? ', against the layer order' : ''})`;
        // The edges against the layer order are the ones to remove: listed first, with their imports.
        if (against) cycleEdges.unshift({ summary, causes: list.map(describeImport) });
        else cycleEdges.push({ summary, causes: [] });
      }
    }
    return { rule: 'folder-cycle' as const, summary: `folders import each other: ${group.join(', ')}`, causes: [], edges: cycleEdges };
  });
}

function isAgainstOrder(source: string, target: string, rules: ArchitectureRules): boolean {
  return rules.layers.some(({ folder, order }) => {
    if (path.posix.dirname(source) !== folder) return false;
    const from = rankIn(order, { name: path.posix.basename(source), isFile: false });
    const to = rankIn(order, { name: path.posix.basename(target), isFile: false });
    return from >= 0 && to > from;
  });
}

function checkFileCycles(imports: Import[]): Violation[] {
  const graph = new Map<string, string[]>();
  for (const i of imports) if (i.to) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
  return stronglyConnected(graph).map((group) => {
    const members = new Set(group);
    const causes = imports.filter((i) => members.has(i.from) && i.to && members.has(i.to)).map(describeImport);
    return { rule: 'file-cycle' as const, summary: `files import each other: ${group.join(', ')}`, causes };
  });
}

function checkKernelTables(repoRoot: string, files: string[], imports: Import[], rules: ArchitectureRules): Violation[] {
  const { folder, sqlSuffix, tables, writersExempt } = rules.kernel;
  const isKernelSql = (file: string) => isInside(file, folder) && file.endsWith(sqlSuffix);
  const table = `(?:[\\w$"{}]+\\.)?"?(?:${tables.join('|')})"?\\b`;
  const write = new RegExp(
    `\\b(?:INSERT\\s+INTO|UPDATE(?:\\s+ONLY)?|DELETE\\s+FROM(?:\\s+ONLY)?|MERGE\\s+INTO|TRUNCATE(?:\\s+TABLE)?)\\s+${table}`,
    'i',
  );
  const mentionsTable = new RegExp(tables.join('|'));
  const violations: Violation[] = [];
  for (const file of files) {
    if (!isInside(file, rules.library) || isKernelSql(file) || writersExempt.some((dir) => isInside(file, dir))) continue;
    const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    if (!mentionsTable.test(text)) continue;
    const statements = sqlWritesIn(text, write).map(({ line, sql }) => `${file}:${line} ${sql}`);
    if (statements.length) {
      violations.push({
        rule: 'kernel-tables',
        summary: `${file} writes a kernel table outside ${folder}/**/*${sqlSuffix}`,
        causes: statements,
      });
    }
  }
  const sqlImports = imports.filter((i) => i.to && isKernelSql(i.to) && !isInside(i.from, folder));
  for (const [target, list] of groupBy(sqlImports, (i) => i.to!)) {
    violations.push({
      rule: 'kernel-sql',
      summary: `${target} is imported from outside ${folder}/ (call a kernel method instead)`,
      causes: list.map(describeImport),
    });
  }
  return violations;
}

/** String and template literals (comments excluded) that write a kernel table, with their first line. */
function sqlWritesIn(text: string, write: RegExp): { line: number; sql: string }[] {
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: { line: number; sql: string }[] = [];
  const visit = (node: ts.Node): void => {
    let literal: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literal = node.text;
    else if (ts.isTemplateExpression(node)) literal = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('${…}');
    const match = literal === undefined ? null : write.exec(literal);
    if (match) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, sql: match[0].replace(/\s+/g, ' ') });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function checkFrameworkFree(imports: Import[], rules: ArchitectureRules): Violation[] {
  const { folder, forbidden } = rules.frameworkFree;
  const isForbidden = (specifier: string) =>
    forbidden.some((name) =>
      name.endsWith('/*') ? specifier.startsWith(name.slice(0, -1)) : specifier === name || specifier.startsWith(`${name}/`),
    );
  const found = imports.filter((i) => isInside(i.from, folder) && isForbidden(i.specifier));
  return [...groupBy(found, (i) => i.from)].map(([file, list]) => ({
    rule: 'framework-free' as const,
    summary: `${file} imports a framework (${folder}/ is the framework-free agent loop)`,
    causes: list.map(describeImport),
  }));
}

function checkExampleApp(imports: Import[], rules: ArchitectureRules): Violation[] {
  // 'src/*.ts': the files directly in src/; 'src/demo': everything below it.
  const inApp = (file: string) =>
    rules.exampleApp.some((p) =>
      p.endsWith('/*.ts') ? path.posix.dirname(file) === p.slice(0, -5) && file.endsWith('.ts') : isInside(file, p),
    );
  const libraryToApp = imports.filter((i) => i.to && isInside(i.from, rules.library) && inApp(i.to));
  const appByPath = imports.filter((i) => i.to && inApp(i.from) && isInside(i.to, rules.library) && !isPackageName(i.specifier, rules));
  const violations: Violation[] = [];
  if (libraryToApp.length) {
    violations.push({ rule: 'example-app', summary: `${rules.library} imports the example app`, causes: libraryToApp.map(describeImport) });
  }
  if (appByPath.length) {
    violations.push({
      rule: 'example-app',
      summary: `the example app imports ${rules.library} by path instead of '${rules.packageName}'`,
      causes: appByPath.map(describeImport),
    });
  }
  return violations;
}

function isPackageName(specifier: string, rules: ArchitectureRules): boolean {
  return specifier === rules.packageName || specifier.startsWith(`${rules.packageName}/`);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Tarjan's algorithm; only groups of two or more nodes (a node importing itself is no cycle here). */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return groups;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const violations = checkArchitecture();
  if (violations.length === 0) {
    console.log('architecture: no violations');
  } else {
    console.error(formatViolations(violations, process.argv.includes('--all') ? Infinity : 5));
    console.error(`architecture: ${violations.length} violation${violations.length === 1 ? '' : 's'}`);
    process.exitCode = 1;
  }
}
