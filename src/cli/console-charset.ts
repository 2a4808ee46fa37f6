/**
 * The check marks of the human output (✓ ✗) on consoles that cannot show them. Windows
 * PowerShell 5.1 in the classic console (conhost) shows text in the OEM code page (437, 850)
 * with a font without U+2713, and when it captures or redirects a program's output it decodes
 * it with that code page, so UTF-8 ✓ becomes "âœ“". Windows Terminal and VS Code's terminal show
 * them. So on Windows, outside those, the marks are written as ASCII: ✓ as `+`, ✗ as `x`.
 */

/** ASCII_MARKS: what each mark becomes where the console cannot show it. */
export const ASCII_MARKS: Readonly<Record<string, string>> = { '✓': '+', '✗': 'x' };

/**
 * consoleShowsMarks: whether the console can show ✓ and ✗. SMTPROBE_ASCII=1 forces ASCII,
 * SMTPROBE_ASCII=0 forces the marks; otherwise everywhere but Windows yes, and on Windows in
 * Windows Terminal (WT_SESSION) or a terminal that names itself (TERM_PROGRAM).
 */
export function consoleShowsMarks(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  if (env.SMTPROBE_ASCII === '1') return false;
  if (env.SMTPROBE_ASCII === '0') return true;
  if (platform !== 'win32') return true;
  return Boolean(env.WT_SESSION || env.TERM_PROGRAM);
}

/** asciiMarks replaces the marks in a text with their ASCII forms. */
export function asciiMarks(text: string): string {
  return text.replace(/[\u2713\u2717]/g, (m) => ASCII_MARKS[m] ?? m);
}

/**
 * useAsciiMarksWhereNeeded makes stdout write the ASCII forms when the console cannot show the
 * marks. Only stdout: files written with --output are UTF-8 and keep them.
 */
export function useAsciiMarksWhereNeeded(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): void {
  if (consoleShowsMarks(platform, env)) return;
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === 'string' ? asciiMarks(chunk) : chunk, ...rest)) as typeof process.stdout.write;
}
