/**
 * Hostile corpus benchmark (part of `npm run bench`, or alone: `npx tsx bench/hostile.ts`).
 *
 * Every value of test/support/hostileCorpus.ts is decoded in a child Node process with the heap the
 * tests give it (test/support/hostileRun.ts), as the tests do, RUNS times:
 * - hostile_worst_decode_ms: the slowest case's median decode time (generating the bytes excluded);
 * - hostile_peak_heap_mb: the largest JS heap any run showed, sampled every 5 ms in the child (a
 *   synchronous decode is seen when it returns, with what it left uncollected);
 * - hostile_peak_rss_mb: the largest resident size any child reached (its maxRSS: Node itself, the
 *   input bytes and whatever a decoder allocated at its worst moment).
 * The case behind each figure is named beside it. A run that dies or hangs fails the benchmark.
 */
import { HOSTILE_CASES } from '../test/support/hostileCorpus';
import { CHILD_HEAP_MB, runWorker } from '../test/support/hostileRun';
import { log, median, round } from './measure';

const RUNS = 3;

export interface HostileFigures {
  hostile_cases: number;
  hostile_child_heap_mb: number;
  hostile_worst_decode_ms: number;
  hostile_worst_decode_case: string;
  hostile_peak_heap_mb: number;
  hostile_peak_heap_case: string;
  hostile_peak_rss_mb: number;
  hostile_peak_rss_case: string;
}

export async function runHostileBench(): Promise<HostileFigures> {
  let worst = { ms: -1, name: '' };
  let peak = { mb: -1, name: '' };
  let rss = { mb: -1, name: '' };
  for (const c of HOSTILE_CASES) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await runWorker(['bytes', c.name]);
      if (!run.result || run.code !== 0) {
        throw new Error(`hostile case ${c.name} did not finish (${run.killedByWatchdog ? 'watchdog' : String(run.signal ?? run.code)}): ${run.stderr}`);
      }
      times.push(run.result.ms);
      if (run.result.peakHeapMB > peak.mb) {
        peak = { mb: run.result.peakHeapMB, name: c.name };
      }
      if (run.result.maxRssMB > rss.mb) {
        rss = { mb: run.result.maxRssMB, name: c.name };
      }
    }
    const ms = median(times);
    log(`  ${c.name}: ${round(ms)} ms`);
    if (ms > worst.ms) {
      worst = { ms, name: c.name };
    }
  }
  return {
    hostile_cases: HOSTILE_CASES.length,
    hostile_child_heap_mb: CHILD_HEAP_MB,
    hostile_worst_decode_ms: round(worst.ms),
    hostile_worst_decode_case: worst.name,
    hostile_peak_heap_mb: peak.mb,
    hostile_peak_heap_case: peak.name,
    hostile_peak_rss_mb: rss.mb,
    hostile_peak_rss_case: rss.name,
  };
}

/** The rows bench.ts prints for these figures: label, value, note. */
export function hostileRows(r: Record<string, unknown>): [string, unknown, string][] {
  if (r.hostile_worst_decode_ms === undefined) {
    return [];
  }
  return [
    [`hostile_worst_decode_ms (${String(r.hostile_cases)} cases)`, r.hostile_worst_decode_ms, String(r.hostile_worst_decode_case)],
    [`hostile_peak_heap_mb (child heap ${String(r.hostile_child_heap_mb)} MB)`, r.hostile_peak_heap_mb, String(r.hostile_peak_heap_case)],
    ['hostile_peak_rss_mb (child maxRSS)', r.hostile_peak_rss_mb, String(r.hostile_peak_rss_case)],
  ];
}

if (require.main === module) {
  runHostileBench().then(
    (results) => {
      for (const [name, value] of Object.entries(results)) {
        process.stdout.write(`${name}: ${value}\n`);
      }
    },
    (err: unknown) => {
      process.stderr.write(`hostile benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
