/**
 * Cache report benchmark (part of `npm run bench`), on the benchmark's N-key DB:
 * - report_sampled_ms: the default (sampled) report, median of alternating runs, against the bare SCAN
 *   loop's time: report_sampled_vs_scan_ratio (target <= 0.1: a sample, not a scan);
 * - report_full_ms: the full report once (every key detailed);
 * - report_sampled_error_top_level: the largest relative error of the sample's key count over the
 *   top-level namespaces, against the full report's exact counts (target <= 5 %); the same over the
 *   second level (namespaces holding at least 1 % of the keys) for information, with how often the
 *   error stayed within the stated margin.
 */
import type Redis from 'ioredis';
import type { Capabilities } from '../src/redis/capabilities';
import { buildCacheReport, type CacheReport } from '../src/redis/report';
import { log, median, round } from './measure';

export const REPORT_TARGETS = { report_sampled_vs_scan_ratio: 0.1, report_sampled_error_top_level: 0.05 };

const RUNS = 3;

function errors(sample: CacheReport, full: CacheReport, depth: number, minShare: number): { max: number; withinMargin: number; compared: number } {
  const levels = full.namespaces.filter((n) => n.depth === depth && n.keys >= minShare * full.root.keys);
  let max = 0;
  let within = 0;
  for (const f of levels) {
    const e = sample.namespaces.find((n) => n.id === f.id);
    const err = e ? Math.abs(e.keys - f.keys) / f.keys : 1;
    max = Math.max(max, err);
    if (e && Math.abs(e.keys - f.keys) <= e.keysMargin) {
      within++;
    }
  }
  return { max, withinMargin: within, compared: levels.length };
}

export async function runReportBench(client: Redis, caps: Capabilities, bareScanMs: number): Promise<Record<string, number | string>> {
  log(`cache report: ${RUNS} sampled runs, then one full report`);
  const sampledMs: number[] = [];
  let sample: CacheReport | undefined;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    sample = await buildCacheReport(client, caps, { delimiter: ':' });
    sampledMs.push(performance.now() - start);
  }
  const fullStart = performance.now();
  const full = await buildCacheReport(client, caps, { delimiter: ':', mode: 'full' });
  const fullMs = performance.now() - fullStart;
  const s = sample as CacheReport;
  const top = errors(s, full, 1, 0);
  const second = errors(s, full, 2, 0.01);
  const ms = median(sampledMs);
  return {
    report_sampled_ms: Math.round(ms),
    report_sampled_vs_scan_ratio: round(ms / bareScanMs, 3),
    report_sampled_keys_seen: s.keysSeen,
    report_sampled_keys_detailed: s.keysDetailed,
    report_memory_method: s.memoryMethod,
    report_full_ms: Math.round(fullMs),
    report_sampled_error_top_level: round(top.max, 4),
    report_sampled_error_second_level: round(second.max, 4),
    report_second_level_within_margin: `${second.withinMargin}/${second.compared}`,
  };
}

export function reportRows(r: Record<string, unknown>, pass: Record<string, boolean | undefined>): [string, unknown, string][] {
  if (r.report_sampled_ms === undefined) {
    return [];
  }
  const ok = (k: string): string => (pass[k] ? 'ok' : 'MISSED');
  return [
    ['report_sampled_ms (sampled cache report)', r.report_sampled_ms, `${String(r.report_sampled_keys_seen)} keys seen, ${String(r.report_sampled_keys_detailed)} detailed`],
    ['report_sampled_vs_scan_ratio', r.report_sampled_vs_scan_ratio, `<= 0.1  ${ok('report_sampled_vs_scan_ratio')}`],
    ['report_full_ms (every key detailed)', r.report_full_ms, String(r.report_memory_method)],
    ['report_sampled_error_top_level', r.report_sampled_error_top_level, `<= 0.05 ${ok('report_sampled_error_top_level')}`],
    ['  same, second level (>= 1 % of keys)', r.report_sampled_error_second_level, `within margin ${String(r.report_second_level_within_margin)}`],
  ];
}
