import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { generateAnnotated } from '../../bench/generate';
import { annotationPlanner } from '../../src/core/sync/annotations';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync } from '../../src/core/sync/index';
import { makeInstance, tableCounts, withInstances } from '../support/instances';

const OPTIONS = { tracking: CLI_TRACKING, annotations: true, annotationPlanner };

/**
 * A Postgres source reads several tables at once (the link tables of a hop, asked while the
 * feature values are planned). One of them failing must fail the sync with the source's error,
 * write nothing, and leave no read behind that fails unobserved.
 */
describe('a source read that fails while others are in flight', () => {
  let n = 0;
  // jsonvalue: read while the label links asked before it are in flight; celltype links: one of those.
  for (const refused of ['lamindb_jsonvalue', 'bionty_artifactcelltype']) {
    it(`postgres source refusing to read ${refused}: the sync fails with its error, writes nothing, leaves nothing unhandled`, async () => {
      const src = await makeInstance('postgres', { name: 'refusing-source', via: 'init', modules: ['bionty'] });
      const tgt = await makeInstance('sqlite', { name: 'refusing-target', via: 'init', modules: ['bionty'] });
      await generateAnnotated(src, 30);
      // A role that sees every table and may read all but one: a row-level policy on that one raises.
      const role = `refused_reader_${process.pid}_${++n}`;
      const admin = new pg.Client({ connectionString: src });
      await admin.connect();
      try {
        const r = admin.escapeIdentifier(role);
        const t = admin.escapeIdentifier(refused);
        await admin.query(`CREATE ROLE ${r} LOGIN PASSWORD 'reader'`);
        await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${r}`);
        await admin.query(
          `CREATE FUNCTION refuse_read() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'read refused by the test'; END $$`,
        );
        await admin.query(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`);
        await admin.query(`CREATE POLICY refuse ON ${t} FOR SELECT TO ${r} USING (refuse_read())`);
      } finally {
        await admin.end();
      }
      const url = new URL(src);
      url.username = role;
      url.password = 'reader';

      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      try {
        await withInstances([[url.toString(), true], [tgt, false]], async (source, target) => {
          assert.ok(source.catalog.tables.has(refused), 'the refused table is visible to the role');
          const before = await tableCounts(target);
          await assert.rejects(sync(source, target, { registry: 'Artifact', all: true }, OPTIONS), /read refused by the test/);
          assert.deepEqual(await tableCounts(target), before);
        });
        // Reads still in flight when the sync failed have ended by now.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  }
});
