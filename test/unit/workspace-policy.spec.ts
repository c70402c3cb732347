import { describe, expect, it } from 'vitest';
import { commandNames, findBlockedCommand } from '../../src/agent/workspaces/sandbox-command.js';
import { isInside, splitWorkspacePath, WorkspaceAccessError, workspaceSegment } from '../../src/agent/workspaces/workspace-path.js';
import { AgentErrorCode, HTTP_STATUS_BY_CODE } from '../../src/agent/errors/agent-error-code.js';
import { QuotaExceededError } from '../../src/agent/errors/agent.errors.js';

describe('workspace paths, by name', () => {
  it('keeps relative paths and drops . and empty parts', () => {
    expect(splitWorkspacePath('src/app.ts')).toEqual(['src', 'app.ts']);
    expect(splitWorkspacePath('./src//./app.ts/')).toEqual(['src', 'app.ts']);
    expect(splitWorkspacePath('.')).toEqual([]);
    expect(splitWorkspacePath('')).toEqual([]);
    expect(splitWorkspacePath('..foo/bar..')).toEqual(['..foo', 'bar..']);
  });

  it.each(['../../etc/passwd', '..', 'a/../b', 'a/b/../../..', '/etc/passwd', '/', 'a\0b'])('refuses %j', (path) => {
    expect(() => splitWorkspacePath(path)).toThrow(WorkspaceAccessError);
  });

  it('checks containment on whole components', () => {
    expect(isInside('/base/t/e', '/base/t/e')).toBe(true);
    expect(isInside('/base/t/e', '/base/t/e/x')).toBe(true);
    expect(isInside('/base/t/e', '/base/t/e2')).toBe(false);
    expect(isInside('/base/t/e', '/base/t')).toBe(false);
  });

  it('turns any tenant or execution id into one safe directory name', () => {
    expect(workspaceSegment('t1')).toBe('t1');
    expect(workspaceSegment('0190f1e2-aaaa-7bbb-8ccc-000000000000')).toBe('0190f1e2-aaaa-7bbb-8ccc-000000000000');
    for (const id of ['..', '.', '../x', 'a/b', '~x', '']) {
      const segment = workspaceSegment(id);
      expect(segment).not.toContain('/');
      expect(['.', '..']).not.toContain(segment);
    }
    expect(workspaceSegment('a/b')).not.toBe(workspaceSegment('a_b'));
  });
});

describe('blocked commands', () => {
  const blocked = ['curl', 'wget', 'ssh', 'scp', 'nc', 'netcat'];

  it('finds the program of every simple command', () => {
    expect(commandNames('ls -la | grep x && FOO=1 make test; echo done &')).toEqual(['ls', 'grep', 'make', 'echo']);
    expect(commandNames('if true; then cat a; fi')).toEqual(['true', 'cat']);
    expect(commandNames('echo "$(date)" `whoami` <(sort a)').sort()).toEqual(['date', 'echo', 'sort', 'whoami']);
    expect(commandNames('sudo -u bob timeout -s KILL 5 nice -n 10 make')).toEqual(['sudo', 'timeout', 'nice', 'make']);
    expect(commandNames('cat a 2>&1 >out.txt < in.txt')).toEqual(['cat']);
  });

  it.each([
    'curl https://example.com',
    '/usr/bin/curl x',
    'FOO=bar curl x',
    'echo ok; wget x',
    'ls | nc host 80',
    'echo $(curl x)',
    'echo "`ssh host`"',
    'bash -c "curl x"',
    "sh -c 'scp a b:'",
    'eval "netcat -l"',
    'timeout 5 curl x',
    'env -i A=1 curl x',
    'sudo -u x wget y',
    'env -S "curl x"',
    'su -c "wget x" bob',
    'flock /tmp/l curl x',
    'c"ur"l x',
    "c'url' x",
    'cu\\rl x',
    'ls | xargs -n1 curl',
    '(cd /tmp && curl x)',
    'true\ncurl x',
  ])('refuses %j', (line) => {
    expect(findBlockedCommand(line, blocked)).not.toBeNull();
  });

  it.each([
    'echo curl',
    'grep -r wget .',
    'cat ssh_config',
    'ls > nc',
    'echo hi # curl x',
    'mycurl x',
    'git commit -m "use curl"',
    'timeout 5 grep curl file',
    'sudo -u curl ls',
  ])('lets %j run', (line) => {
    expect(findBlockedCommand(line, blocked)).toBeNull();
  });

  it('blocks nothing with an empty list', () => {
    expect(findBlockedCommand('curl x', [])).toBeNull();
  });
});

describe('quota errors', () => {
  it('answer 413 with the usage in the details', () => {
    const error = new QuotaExceededError(150 * 1024 * 1024, 100 * 1024 * 1024);
    expect(error.code).toBe(AgentErrorCode.QuotaExceeded);
    expect(HTTP_STATUS_BY_CODE[error.code]).toBe(413);
    expect(error.message).toContain('150.0 MB of 100.0 MB');
    expect(error.details).toEqual({ used_bytes: 150 * 1024 * 1024, quota_bytes: 100 * 1024 * 1024 });
  });
});
