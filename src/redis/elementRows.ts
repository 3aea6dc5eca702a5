/**
 * Where the rows of a collection tab are: the body is JSON indented by 2 spaces (printJson), so each
 * top-level element starts on a line indented by exactly 2 spaces that does not close a bracket.
 */

/** Line numbers where the top-level elements of a pretty-printed JSON body start (after any header lines). */
export function elementLines(text: string): number[] {
  const lines = text.split('\n');
  const open = lines.findIndex((l) => l === '{' || l === '[');
  if (open < 0) {
    return [];
  }
  const out: number[] = [];
  for (let i = open + 1; i < lines.length; i++) {
    if (/^ {2}[^ \]}]/.test(lines[i])) {
      out.push(i);
    }
  }
  return out;
}
