/** Messages between the cache report panel and its webview (types only: both sides import them). */
import type { CacheReport } from '../redis/report';

/** Every text the webview shows, localized by the extension (the webview has no l10n of its own). */
export interface ReportStrings {
  title: string;
  wholeDb: string;
  fullReport: string;
  refresh: string;
  exportCsv: string;
  exportJson: string;
  memoryByNamespace: string;
  ttlDistribution: string;
  namespaces: string;
  biggestKeys: string;
  warnings: string;
  noWarnings: string;
  selected: string;
  showInTree: string;
  namespace: string;
  keys: string;
  memory: string;
  ttlShare: string;
  idleAvg: string;
  idleMax: string;
  key: string;
  type: string;
  ttl: string;
  idle: string;
  noExpiry: string;
  bucketSoon: string;
  bucketHour: string;
  bucketDay: string;
  bucketLonger: string;
  bucketNone: string;
  directKeys: string;
  otherNamespaces: string;
  emptyName: string;
  running: string;
  sortHint: string;
  /** Unit templates with `{0}` for the number: French writes Ko, Mo, j. */
  units: { b: string; kb: string; mb: string; gb: string; tb: string; s: string; min: string; h: string; d: string };
}

export interface ReportView {
  report: CacheReport;
  /** Scope and sampling, already worded (with the counts and the margin). */
  summary: string;
  /** The memory method and what it means, worded. */
  methodLabel: string;
  /** Each warning of `report.warnings`, worded, index-aligned. */
  warningTexts: string[];
}

export type ToWebview =
  | { type: 'init'; strings: ReportStrings; locale: string }
  | { type: 'report'; view: ReportView }
  | { type: 'busy'; busy: boolean };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'reveal'; namespaceId: string }
  | { type: 'full' }
  | { type: 'refresh' }
  | { type: 'export'; format: 'csv' | 'json' };
