/**
 * The hostile corpus (test/support/hostileCorpus.ts): each value is decoded in a child Node process
 * with a 256 MB heap. It must finish (a watchdog catches a hang) and show the note that says what was
 * cut. Times and heap peaks are reported as diagnostics, never asserted.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HOSTILE_CASES } from '../support/hostileCorpus';
import { CHILD_HEAP_MB, runWorker } from '../support/hostileRun';

describe(`hostile values, decoded with a ${CHILD_HEAP_MB} MB heap`, () => {
  for (const c of HOSTILE_CASES) {
    test(`${c.name}: ${c.what}`, async (t) => {
      const run = await runWorker(['bytes', c.name]);
      assert.equal(run.killedByWatchdog, false, 'the decode hung');
      assert.equal(run.code, 0, `the decoding process died (${run.signal ?? run.code}): ${run.stderr}`);
      const result = run.result;
      assert.ok(result, 'the process reported what it showed');
      for (const note of c.notes) {
        assert.ok(result.notes.includes(note), `note ${note} expected, got ${result.notes.join(', ')}`);
      }
      t.diagnostic(`${result.ms.toFixed(0)} ms, peak heap ${result.peakHeapMB} MB, ${String(result.bodyChars)} chars shown, notes ${result.notes.join(', ') || '—'}`);
    });
  }
});
