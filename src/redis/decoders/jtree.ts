/**
 * Lays out a JNode tree as JSON indented by 2 spaces, the way JSON.stringify(v, null, 2) does, but
 * with leaves that are already JSON text (so numbers keep their stored digits).
 */
import type { JNode } from './types';

const INDENT = '  ';

export function jsonString(s: string): string {
  return JSON.stringify(s);
}

export function jArray(items: JNode[]): JNode {
  return { kind: 'array', items };
}

export function jObject(entries: Array<[string, JNode]>): JNode {
  return { kind: 'object', entries };
}

/**
 * Leaves may be multi-line fragments laid out at depth 0; they are re-indented where they land.
 * Raw newlines never occur inside JSON strings, so indenting after each newline is safe.
 */
export function printJson(node: JNode): string {
  const parts: string[] = [];
  write(node, '', parts);
  return parts.join('');
}

/**
 * The same tree on one line, for a file with a record per line (NDJSON). A leaf laid out over several
 * lines loses its line breaks and their indentation, which lie outside its strings.
 */
export function printCompactJson(node: JNode): string {
  const parts: string[] = [];
  writeCompact(node, parts);
  return parts.join('');
}

function writeCompact(node: JNode, out: string[]): void {
  if (typeof node === 'string') {
    out.push(node.includes('\n') ? node.replace(/\n */g, '') : node);
    return;
  }
  if (node.kind === 'array') {
    out.push('[');
    node.items.forEach((item, i) => {
      if (i > 0) {
        out.push(',');
      }
      writeCompact(item, out);
    });
    out.push(']');
    return;
  }
  out.push('{');
  node.entries.forEach(([key, value], i) => {
    out.push(i > 0 ? ',' : '', jsonString(key), ':');
    writeCompact(value, out);
  });
  out.push('}');
}

function write(node: JNode, indent: string, out: string[]): void {
  if (typeof node === 'string') {
    out.push(indent && node.includes('\n') ? node.replace(/\n/g, '\n' + indent) : node);
    return;
  }
  const inner = indent + INDENT;
  if (node.kind === 'array') {
    if (node.items.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[\n');
    node.items.forEach((item, i) => {
      out.push(inner);
      write(item, inner, out);
      out.push(i < node.items.length - 1 ? ',\n' : '\n');
    });
    out.push(indent, ']');
    return;
  }
  if (node.entries.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{\n');
  node.entries.forEach(([key, value], i) => {
    out.push(inner, jsonString(key), ': ');
    write(value, inner, out);
    out.push(i < node.entries.length - 1 ? ',\n' : '\n');
  });
  out.push(indent, '}');
}
