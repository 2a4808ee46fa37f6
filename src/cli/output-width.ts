/**
 * outputWidth: how wide human output may be — COLUMNS when set (a terminal's shell exports it,
 * and a user can set it for a pipe), else the terminal's own width, else none: output into a
 * pipe or a file keeps one line per item, for grep. Very narrow values are raised to 40.
 */
export function outputWidth(env: NodeJS.ProcessEnv = process.env, stdout: { isTTY?: boolean; columns?: number } = process.stdout): number | undefined {
  const fromEnv = Number(env.COLUMNS);
  const width = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : stdout.isTTY === true && stdout.columns ? stdout.columns : undefined;
  return width === undefined ? undefined : Math.max(40, width);
}
