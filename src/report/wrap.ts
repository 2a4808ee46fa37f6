/** Escape sequences a renderer paints with: no width on screen. */
const ANSI_SEQ = /\x1b\[[0-9;]*m/g;

/** visibleLength: the width of a line on the terminal, colour codes not counted. */
export function visibleLength(line: string): number {
  return line.replace(ANSI_SEQ, '').length;
}

/**
 * wrapLine breaks a line at spaces so no piece is wider than `width`, continuing under
 * `indent` columns: a 60-column terminal shows a step's detail or a fix as a block, not as
 * text folded back into column 0. A word longer than the width (a URL, a PowerShell line's
 * token) stays whole. No width: the line as it is (a pipe or a file gets one line per item).
 */
export function wrapLine(line: string, width: number | undefined, indent: number): string[] {
  if (width === undefined || visibleLength(line) <= width) return [line];
  const pad = ' '.repeat(indent);
  const lead = /^ */.exec(line)?.[0] ?? '';
  const words = line.slice(lead.length).split(' ');
  const lines: string[] = [];
  let cur = lead;
  let curLen = lead.length;
  let empty = true;
  for (const word of words) {
    const len = visibleLength(word);
    if (!empty && curLen + 1 + len > width) {
      lines.push(cur);
      cur = pad + word;
      curLen = indent + len;
    } else {
      cur += (empty ? '' : ' ') + word;
      curLen += (empty ? 0 : 1) + len;
    }
    empty = false;
  }
  lines.push(cur);
  return lines;
}
