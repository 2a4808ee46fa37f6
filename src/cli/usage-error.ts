import { isCommandName } from './commands/names.js';

/**
 * usageErrorLine: commander's usage error (unknown option, a typo with its suggestion, a bad
 * choice) as the one line every bad input gets: `smtprobe: error: ...`, then where help is.
 */
export function usageErrorLine(text: string, command: string | undefined): string {
  const [first = '', ...rest] = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const hints = rest.map((l) => l.replace(/^\((.*)\)$/, '$1').replace(/^Did you mean/, 'did you mean'));
  const help = isCommandName(command) ? `smtprobe ${command} --help` : 'smtprobe --help';
  const head = first.replace(/\.$/, '');
  return `smtprobe: ${head.startsWith('error: ') ? head : `error: ${head}`}${hints.length ? ` (${hints.join('; ')})` : ''}; see ${help}\n`;
}
