import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerPathCommand } from '../../../src/cli/commands/path.js';

describe('smtprobe path flags', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function run(...args: string[]): Promise<string> {
    const program = new Command().exitOverride();
    registerPathCommand(program);
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    await program.parseAsync(['node', 'smtprobe', 'path', ...args]);
    return err;
  }

  it.each([
    [['relay.test', '--count', '0'], '--count must be a whole number from 1 to 10000, got "0"'],
    [['relay.test', '--max-hops', '300'], '--max-hops must be a whole number from 1 to 255, got "300"'],
    [['relay.test', '--interval', '2.5'], '--interval must be a whole number from 1 to 10000, got "2.5"'],
    [['relay.test', '--timeout', 'soon'], '--timeout must be a whole number from 1 to 86400, got "soon"'],
  ])('rejects %j before sending anything, exit 3', async (args, message) => {
    const err = await run(...args);
    expect(err).toBe(`smtprobe: error: ${message}\n`);
    expect(process.exitCode).toBe(3);
  });

  it('lists its options in --help', () => {
    const program = new Command();
    registerPathCommand(program);
    const help = program.commands.find((c) => c.name() === 'path')?.helpInformation() ?? '';
    for (const flag of ['--count', '--max-hops', '--interval', '--timeout', '--dns-server', '--numeric', '--json']) expect(help).toContain(flag);
  });
});
