import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { allCommands, EXAMPLES } from '../../src/cli/examples.js';
import { main, program } from '../../src/cli/main.js';
import { runFerry } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const commands = allCommands(program);
const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No stack, no user settings: an empty FERRY_HOME and no endpoints in the environment. */
const noStack = (home: string) => ({ FERRY_HOME: home, TEMPORAL_ADDRESS: '', DATABASE_URL: '', FERRY_TOKEN: '' });

// Commander writes help and its errors through each command's output settings: capture them in-process.
let out = '';
beforeAll(() => {
  for (const [, command] of commands) command.configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (out += s) });
});
afterEach(() => {
  out = '';
  vi.restoreAllMocks();
});

function helpOf(command: Command): string {
  out = '';
  command.outputHelp();
  return out;
}

describe('ferry --version', () => {
  it("prints package.json's version and exits 0", async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runFerry([flag], { env: noStack(dir) });
      expect(result.code, flag).toBe(0);
      expect(result.stdout, flag).toBe(`${pkg.version}\n`);
    }
  });
});

describe('--help', () => {
  it('shows at least one example for every command (add new ones to src/cli/examples.ts)', () => {
    expect(commands.length).toBeGreaterThan(30);
    for (const [path, command] of commands) {
      const examples = EXAMPLES[path];
      expect(examples, `ferry ${path} has no example in src/cli/examples.ts`).toBeDefined();
      const help = helpOf(command);
      expect(help, path).toMatch(/\nExamples?:\n {2}\$ .*npx ferry/);
      for (const line of examples!) {
        expect(help, path).toContain(`$ ${line}`);
        // Each example names its own command: `ferry users add` shows `… ferry users add …`, not another one.
        if (path) expect(line, path).toContain(`ferry ${path}`);
      }
    }
  });

  it('lists no example for a command that does not exist', () => {
    const paths = new Set(commands.map(([path]) => path));
    expect(Object.keys(EXAMPLES).filter((path) => !paths.has(path))).toEqual([]);
  });

  it('is what `ferry <command> --help` prints, with exit code 0', async () => {
    const result = await runFerry(['schedule', 'add', '--help'], { env: noStack(dir) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: ferry schedule add [options] <pipeline-file>');
    expect(result.stdout).toContain('Example:\n  $ npx ferry schedule add pipelines/penguins.ts --every 1d --param trees=80\n');
  });
});

describe('--format', () => {
  const withFormat = commands.filter(([, command]) => command.options.some((o) => o.long === '--format'));

  it('is validated on every command that has it: exit 2, naming the allowed values', async () => {
    expect(withFormat.length).toBeGreaterThan(20);
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    for (const [path, command] of withFormat) {
      const option = command.options.find((o) => o.long === '--format')!;
      out = '';
      stderr.length = 0;
      // Arguments are placeholders: the format is checked before anything reads them or connects anywhere.
      const args = command.registeredArguments.filter((a) => a.required).map(() => 'x@1');
      const required = command.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, 'x.csv']);
      const code = await main(['node', 'ferry', ...path.split(' '), ...args, ...required, '--format', 'yaml']);
      const message = out + stderr.join('');
      expect(code, `ferry ${path}: ${message}`).toBe(2);
      const allowed = option.argChoices ?? ['text', 'json'];
      for (const value of allowed) expect(message, path).toContain(value);
      expect(message, path).toMatch(/yaml/);
    }
  });

  it("keeps `ferry model`'s text|json apart from a card's md|html|json", async () => {
    const model = await runFerry(['model', 'penguins@2', '--format', 'html'], { env: noStack(dir) });
    expect(model.code).toBe(2);
    expect(model.stderr).toBe('ferry: --format html: expected text or json (a model card: ferry card penguins@2 --format html)\n');
    const card = await runFerry(['card', 'penguins@2', '--format', 'pdf'], { env: noStack(dir) });
    expect(card.code).toBe(2);
    expect(card.stderr).toContain("argument 'pdf' is invalid. Allowed choices are md, html, json.");
  });
});

describe('without a running stack', () => {
  it('ferry status says how to start one (exit 1)', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const result = await runFerry(['status'], { env: noStack(home) });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ferry: no Ferry stack is running for FERRY_HOME=${home}: start one with 'npx ferry dev' in another terminal and run this again, or set TEMPORAL_ADDRESS and DATABASE_URL to a running stack\n`,
    );
  });

  it("says when the 'ferry dev' that ran there has stopped, and survives a half-written dev.json", async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    // A pid that cannot be running: above the kernel's pid_max.
    writeFileSync(join(home, 'dev.json'), JSON.stringify({ pid: 2 ** 30, temporalAddress: '127.0.0.1:1', namespace: 'default', databaseUrl: 'postgres://x@127.0.0.1:1/x', startedAt: new Date().toISOString() }));
    const stopped = await runFerry(['status'], { env: noStack(home) });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain("(the 'ferry dev' that last ran there has stopped): start one with 'npx ferry dev'");
    writeFileSync(join(home, 'dev.json'), '{"pid": 12');
    const cut = await runFerry(['models'], { env: noStack(home) });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain("start one with 'npx ferry dev'");
  });

  it('an unreachable DATABASE_URL is one line naming host and port, never the password', async () => {
    const result = await runFerry(['models'], { env: { ...noStack(dir), DATABASE_URL: 'postgres://ferry:s3cret@127.0.0.1:1/ferry' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("ferry: cannot reach Postgres at 127.0.0.1:1 (ECONNREFUSED); start 'npx ferry dev' or fix DATABASE_URL\n");
  });
});

describe('ferry demo --reset', () => {
  it("removes only the demo's home, FERRY_HOME/demo, and keeps the user's runs", async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    mkdirSync(join(home, 'demo', 'pgdata'), { recursive: true });
    writeFileSync(join(home, 'demo', 'pgdata', 'PG_VERSION'), '17');
    mkdirSync(join(home, 'runs', 'churn-1'), { recursive: true });
    writeFileSync(join(home, 'runs', 'churn-1', 'train.log'), 'mine');
    const result = await runFerry(['demo', '--reset'], { env: noStack(home) });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`Removed the demo's data in ${join(home, 'demo')}; ${home} is otherwise untouched.\n`);
    expect(() => readFileSync(join(home, 'demo', 'pgdata', 'PG_VERSION'))).toThrow();
    expect(readFileSync(join(home, 'runs', 'churn-1', 'train.log'), 'utf8')).toBe('mine');
  });

  it('refuses --keep with --reset (exit 2)', async () => {
    const result = await runFerry(['demo', '--keep', '--reset'], { env: noStack(dir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('ferry: ferry demo: --keep continues from the previous demo, --reset removes its data; give one of them\n');
  });
});
