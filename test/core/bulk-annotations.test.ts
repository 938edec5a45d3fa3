import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { generateAnnotated } from '../../bench/generate';
import type { Instance } from '../../src/core/instance/types';
import { annotationPlanner } from '../../src/core/sync/annotations';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync } from '../../src/core/sync/index';
import { PAIRS, makeInstance, tableCounts, withInstances } from '../support/instances';

/**
 * Many annotated artifacts: every table is written in several INSERT statements, so the ids
 * handed out per statement (RETURNING on Postgres, consecutive rowids on SQLite) must line up
 * with the rows across statement boundaries. Checked on the rows: every link in the target joins
 * the same artifact, label, schema, feature and value as in the source.
 */
const N = 2_000;
const OPTIONS = { tracking: CLI_TRACKING, annotations: true, annotationPlanner };

/** Each link row as the uids (or values) it joins, sorted: ids differ between instances, these do not. */
async function linkSignatures(instance: Instance): Promise<Record<string, string[]>> {
  const rows = async (query: ReturnType<typeof sql<{ s: string }>>) =>
    (await query.execute(instance.db)).rows.map((r) => String(r.s)).sort();
  return {
    ulabel: await rows(sql`SELECT a.uid || '|' || u.uid || '|' || coalesce(f.uid, '') AS s
      FROM lamindb_artifactulabel l JOIN lamindb_artifact a ON a.id = l.artifact_id
      JOIN lamindb_ulabel u ON u.id = l.ulabel_id LEFT JOIN lamindb_feature f ON f.id = l.feature_id`),
    celltype: await rows(sql`SELECT a.uid || '|' || c.uid || '|' || coalesce(f.uid, '') AS s
      FROM bionty_artifactcelltype l JOIN lamindb_artifact a ON a.id = l.artifact_id
      JOIN bionty_celltype c ON c.id = l.celltype_id LEFT JOIN lamindb_feature f ON f.id = l.feature_id`),
    project: await rows(sql`SELECT a.uid || '|' || p.uid AS s
      FROM lamindb_artifactproject l JOIN lamindb_artifact a ON a.id = l.artifact_id
      JOIN lamindb_project p ON p.id = l.project_id`),
    // Slot schemas are rebuilt in the target (another uid where the hash differs): a slot is its members.
    schema: await rows(sql`SELECT a.uid || '|' || l.slot || '|' || f.uid AS s
      FROM lamindb_artifactschema l JOIN lamindb_artifact a ON a.id = l.artifact_id
      JOIN lamindb_schemafeature sf ON sf.schema_id = l.schema_id JOIN lamindb_feature f ON f.id = sf.feature_id`),
    value: await rows(sql`SELECT a.uid || '|' || f.uid || '|' || CAST(v.value AS TEXT) AS s
      FROM lamindb_artifactjsonvalue l JOIN lamindb_artifact a ON a.id = l.artifact_id
      JOIN lamindb_jsonvalue v ON v.id = l.jsonvalue_id JOIN lamindb_feature f ON f.id = v.feature_id`),
    storage: await rows(sql`SELECT a.uid || '|' || s.root AS s
      FROM lamindb_artifact a JOIN lamindb_storage s ON s.id = a.storage_id`),
  };
}

describe('bulk annotated sync', () => {
  for (const [from, to] of PAIRS) {
    it(`${from}→${to}: ${N} annotated artifacts, several statements per table: every link joins the same ends; re-sync writes nothing`, async () => {
      const src = await makeInstance(from, { name: 'bulk-source', via: 'init', modules: ['bionty'] });
      const tgt = await makeInstance(to, { name: 'bulk-target', via: 'init', modules: ['bionty'] });
      await generateAnnotated(src, N);
      await withInstances([[src, true], [tgt, false]], async (source, target) => {
        const { result } = await sync(source, target, { registry: 'Artifact', all: true }, OPTIONS);
        assert.equal(result.transferred.filter((e) => e.registry === 'Artifact').length, N);
        const expected = await linkSignatures(source);
        const actual = await linkSignatures(target);
        for (const [name, list] of Object.entries(expected)) {
          assert.ok(list.length > 0, `the source has ${name} links`);
          assert.deepEqual(actual[name], list, `${name} links`);
        }
        const before = await tableCounts(target);
        const again = await sync(source, target, { registry: 'Artifact', all: true }, OPTIONS);
        assert.deepEqual(again.result.written, {});
        assert.equal(again.result.transferred.length, 0);
        assert.equal(again.result.mapped.filter((e) => e.registry === 'Artifact').length, N);
        assert.deepEqual(await tableCounts(target), before);
      });
    });
  }
});
