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
    [['relay.test', '--source-address', 'eth0'], '--source-address must be an IPv4 or IPv6 address of this host, got "eth0"'],
    [['127.0.0.1', '--source-address', '::1'], '--source-address ::1 is an IPv6 address, but the host 127.0.0.1 is IPv4'],
    [['127.0.0.1', '--source-address', '192.0.2.7'], '--source-address: cannot send from source address 192.0.2.7 (EADDRNOTAVAIL: not an address of this host)'],
  ])('rejects %j before sending anything, exit 3', async (args, message) => {
    const err = await run(...args);
    expect(err).toBe(`smtprobe: error: ${message}\n`);
    expect(process.exitCode).toBe(3);
  });

  it('lists its options in --help', () => {
    const program = new Command();
    registerPathCommand(program);
    const help = program.commands.find((c) => c.name() === 'path')?.helpInformation() ?? '';
    for (const flag of ['--count', '--max-hops', '--interval', '--timeout', '--dns-server', '--source-address', '--numeric', '--json']) expect(help).toContain(flag);
  });
});
