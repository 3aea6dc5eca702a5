/** The cache report as CSV (one row per namespace) and JSON, for spreadsheets and scripts. */
import { TTL_BUCKETS, type CacheReport } from './report';

/** Column names are fixed English identifiers: scripts read them whatever the display language. */
const COLUMNS = [
  'namespace',
  'depth',
  'keys',
  'keys_margin',
  'memory_bytes',
  'memory_margin_bytes',
  'keys_with_ttl',
  ...TTL_BUCKETS.map((b) => `ttl_${b}`),
  'idle_avg_seconds',
  'idle_max_seconds',
  'keys_seen',
  'keys_detailed',
] as const;

function csvField(value: string | number | null): string {
  if (value === null) {
    return '';
  }
  const text = String(value);
  // A leading = + - @ would be run as a formula by spreadsheets: key names are data, never code.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function reportCsv(report: CacheReport): string {
  const lines = [COLUMNS.join(',')];
  for (const ns of report.namespaces) {
    const row: (string | number | null)[] = [
      ns.depth === 0 ? (report.scope.path ?? '') : ns.path,
      ns.depth,
      ns.keys,
      ns.keysMargin,
      ns.memory,
      ns.memoryMargin,
      ns.withTtl,
      ...TTL_BUCKETS.map((b) => ns.ttl[b]),
      ns.idleAvgSeconds === null ? null : Math.round(ns.idleAvgSeconds),
      ns.idleMaxSeconds,
      ns.seen,
      ns.detailed,
    ];
    lines.push(row.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function reportJson(report: CacheReport, context: { server: string; db: number }): string {
  return JSON.stringify({ ...context, ...report }, null, 2) + '\n';
}
