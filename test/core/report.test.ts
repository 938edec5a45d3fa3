// The report a user reads (toast, output channel, report document): distinct objects, readable at any size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, seedGuideExample } from '../../src/core/example/guide';
import { annotationPlanner } from '../../src/core/sync/annotations';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync } from '../../src/core/sync/index';
import { formatReport, formatReportSummary, fullReport, reportJson, summarizeReport, summaryCounts } from '../../src/core/sync/report';
import { makeInstance, withInstances } from '../support/instances';

describe('report summary', () => {
  it('counts each object once, a transferred one only as transferred, per registry', () => {
    const result = {
      transferred: [
        { registry: 'Artifact', uid: 'a1' },
        { registry: 'Project', uid: 'p1' },
        { registry: 'Artifact', uid: 'a2' },
      ],
      // LaminDB's report: the project again for every artifact linked to it, a label twice.
      mapped: [
        ...Array.from({ length: 999 }, () => ({ registry: 'Project', uid: 'p1' })),
        { registry: 'ULabel', uid: 'u1' },
        { registry: 'ULabel', uid: 'u1' },
      ],
    };
    const s = summarizeReport(result);
    assert.equal(summaryCounts(s), '3 transferred, 1 mapped');
    assert.deepEqual(s.byRegistry, [
      { registry: 'Artifact', transferred: 2, mapped: 0 },
      { registry: 'Project', transferred: 1, mapped: 0 },
      { registry: 'ULabel', transferred: 0, mapped: 1 },
    ]);
    // Too many entries for LaminDB's one-line lists: counts per registry instead, each line short.
    const lines = formatReportSummary(result);
    assert.deepEqual(lines, ['→ mapped 1 object: ULabel 1', '→ transferred 3 objects: Artifact 2, Project 1']);
    // Short reports keep LaminDB's lines.
    const small = { transferred: result.transferred, mapped: result.mapped.slice(-2) };
    assert.deepEqual(formatReportSummary(small), formatReport(small));
    // The full list: every object once, grouped by registry.
    const doc = fullReport(result, ['Sync a → b']).split('\n');
    assert.equal(doc[0], 'Sync a → b');
    assert.equal(doc.filter((l) => l.includes("Project(uid='p1')")).length, 1);
    assert.ok(doc.includes("    Artifact(uid='a2')"));
  });

  it('the summary and --json of a real sync with annotations count distinct objects', async () => {
    const src = await makeInstance('sqlite', { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
    await withInstances([[src, false]], (i) => seedGuideExample(i));
    const tgt = await makeInstance('sqlite', { name: 'test-sync', via: 'init' });
    await withInstances([[src, true], [tgt, false]], async (source, target) => {
      const messages: string[] = [];
      const options = { tracking: CLI_TRACKING, annotations: true, annotationPlanner };
      const first = await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, { ...options, onProgress: (p) => void messages.push(p.message) });
      // Progress names registries and links as LaminDB does, never a table.
      const writing = messages.filter((m) => m.startsWith('Writing'));
      assert.ok(writing.includes('Writing 1 × Artifact'), writing.join('\n'));
      assert.ok(writing.some((m) => / × Artifact–ULabel links$/.test(m)), writing.join('\n'));
      assert.ok(!writing.some((m) => /_/.test(m) || /Schemafeature|Ulabel/.test(m)), writing.join('\n'));
      const again = await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, options);
      const distinct = new Set(again.result.mapped.map((e) => `${e.registry}:${e.uid}`)).size;
      assert.equal(summaryCounts(summarizeReport(again.result)), `0 transferred, ${distinct} mapped`);
      const json = reportJson(again.result) as { distinct: { mapped: number; transferred: number } };
      assert.deepEqual([json.distinct.transferred, json.distinct.mapped], [0, distinct]);
      assert.equal(summarizeReport(first.result).transferred.length, new Set(first.result.transferred.map((e) => e.uid)).size);
    });
  });
});
