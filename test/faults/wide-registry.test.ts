// A whole registry of 70,000 versioned artifacts syncs: no statement binds a parameter per row
// (SQLite allows 32,766 variables, Postgres 65,535 parameters). The CLI runs as a child process.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { insertRecords } from '../../src/core/example/insert';
import type { Instance } from '../../src/core/instance/types';
import { quoteIdentifier } from '../../src/core/schema/column-types';
import { PAIRS, makeInstance, withInstances, type DialectName } from '../support/instances';
import { assertNoStackTrace, spawnCli } from './support';

const N = 70_000;
/** Artifacts 1…PAIRED form families of two versions (odd: v0000, not latest; even: v0001, latest); the rest one version each. */
const PAIRED = 1_000;

/**
 * N artifacts in one INSERT … SELECT from a counter (a recursive CTE on SQLite, generate_series on
 * Postgres), each column copied from one template row except uid, key, hash and is_latest.
 */
async function fill(inst: Instance): Promise<void> {
  const [storageId] = await insertRecords(inst, 'lamindb_storage', [
    { uid: 'WallStr1', root: 's3://wall-bucket', type: 's3', region: 'us-east-1', instance_uid: 'WallSource00' },
  ]);
  const [template] = await insertRecords(inst, 'lamindb_artifact', [
    { uid: 'WallTemplate00000000', key: 'wall/template.h5ad', suffix: '.h5ad', size: 1, hash: 'template', storage_id: storageId, _key_is_virtual: false },
  ]);
  const pg = inst.dialect === 'postgres';
  const family = `CASE WHEN i <= ${PAIRED} THEN (i + 1) / 2 ELSE i END`;
  const computed: Record<string, string> = pg
    ? {
        uid: `'W' || lpad((${family})::text, 15, '0') || CASE WHEN i <= ${PAIRED} AND i % 2 = 0 THEN '0001' ELSE '0000' END`,
        key: `'wall/file-' || (${family})::text || '.h5ad'`,
        hash: `'h' || i::text`,
        is_latest: `NOT (i <= ${PAIRED} AND i % 2 = 1)`,
      }
    : {
        uid: `'W' || substr('000000000000000' || (${family}), -15, 15) || CASE WHEN i <= ${PAIRED} AND i % 2 = 0 THEN '0001' ELSE '0000' END`,
        key: `'wall/file-' || (${family}) || '.h5ad'`,
        hash: `'h' || i`,
        is_latest: `CASE WHEN i <= ${PAIRED} AND i % 2 = 1 THEN 0 ELSE 1 END`,
      };
  const columns = inst.catalog.tables.get('lamindb_artifact')!.columns.map((c) => c.name).filter((c) => c !== 'id');
  const list = columns.map(quoteIdentifier).join(', ');
  const values = columns.map((c) => computed[c] ?? `t.${quoteIdentifier(c)}`).join(', ');
  const counter = pg
    ? 'generate_series(1, $1::int) AS g(i)'
    : '(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n) AS g';
  await inst.db.executeQuery(
    CompiledQuery.raw(
      `INSERT INTO lamindb_artifact (${list}) SELECT ${values} FROM ${counter}, lamindb_artifact AS t WHERE t.id = ${pg ? '$2' : '?'}`,
      [N, template],
    ),
  );
}

async function counts(loc: string): Promise<{ artifacts: number; latest: number; storages: number }> {
  return withInstances([[loc, true]], async (i) => {
    const n = async (q: string) => Number(((await sql.raw(q).execute(i.db)).rows[0] as { n: unknown }).n);
    return {
      artifacts: await n("SELECT count(*) AS n FROM lamindb_artifact WHERE uid LIKE 'W%' AND uid <> 'WallTemplate00000000'"),
      latest: await n(`SELECT count(*) AS n FROM lamindb_artifact WHERE uid LIKE 'W%' AND uid <> 'WallTemplate00000000' AND is_latest = ${i.dialect === 'sqlite' ? 1 : 'true'}`),
      storages: await n("SELECT count(*) AS n FROM lamindb_storage WHERE root = 's3://wall-bucket'"),
    };
  });
}

const sources = new Map<DialectName, Promise<string>>();
/** One source per dialect, shared by the pairs that read it (a sync opens its source read-only). */
function wideSource(dialect: DialectName): Promise<string> {
  let made = sources.get(dialect);
  if (!made) {
    made = (async () => {
      const loc = await makeInstance(dialect, { name: 'wall-source', via: 'init' });
      await withInstances([[loc, false]], fill);
      return loc;
    })();
    sources.set(dialect, made);
  }
  return made;
}

describe(`--registry Artifact --all of ${N.toLocaleString('en-US')} versioned artifacts`, () => {
  for (const [from, to] of PAIRS) {
    it(`${from} → ${to}: completes, every artifact and its is_latest in the target`, async () => {
      const src = await wideSource(from);
      const tgt = await makeInstance(to, { name: 'wall-target', via: 'init' });
      const r = await spawnCli(['sync', src, tgt, '--registry', 'Artifact', '--all', '--json']);
      assertNoStackTrace(r.err, 'stderr');
      assert.equal(r.code, 0, r.err);
      const expected = await counts(src);
      assert.deepEqual(expected, { artifacts: N, latest: N - PAIRED / 2, storages: 1 });
      assert.deepEqual(await counts(tgt), expected);
      const report = JSON.parse(r.out) as { transferred: unknown[]; written: Record<string, number> };
      assert.equal(report.written.lamindb_artifact, N + 1);
    });
  }
});
