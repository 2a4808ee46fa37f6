import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { NON_TARGET_FLAGS, registerCheckCommand } from '../../../src/cli/commands/check.js';

describe('check: flags that are not target settings', () => {
  it('are derived from the option definitions: output, recording, --connector and the refused --password', () => {
    expect([...NON_TARGET_FLAGS].sort()).toEqual(['connector', 'format', 'json', 'keepUsernames', 'output', 'password', 'record', 'transcript']);
  });

  it('are all options of check, and no target flag is among them', () => {
    const program = new Command();
    registerCheckCommand(program);
    const check = program.commands.find((c) => c.name() === 'check');
    const names = (check?.options ?? []).map((o) => o.attributeName());
    for (const f of NON_TARGET_FLAGS) expect(names).toContain(f);
    for (const targetFlag of ['port', 'tls', 'user', 'passwordEnv', 'mailFrom', 'timeout']) expect(NON_TARGET_FLAGS.has(targetFlag)).toBe(false);
  });
});
