/**
 * The CLI's commands, in help order. main.ts registers one module per name; the launcher (src/launcher/) keeps
 * one code cache per name (compile-cache.ts), so that only these — not every typo — get one.
 */
export const COMMAND_NAMES = ['check', 'mock', 'path', 'record', 'run', 'serve', 'explain', 'import-connector', 'demo', 'schema'] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export function isCommandName(arg: string | undefined): arg is CommandName {
  return (COMMAND_NAMES as readonly (string | undefined)[]).includes(arg);
}
