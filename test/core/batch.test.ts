import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertRecords } from '../../src/core/example/insert';
import { sql } from 'kysely';
import { absentTuples, selectWhereIn } from '../../src/core/instance/batch';
import { pgArrayLiteral } from '../../src/core/instance/pg-array';
import { DIALECTS, makeInstance, withInstances } from '../support/instances';

describe('absentTuples: the database says which tuples it lacks', () => {
  for (const dialect of DIALECTS) {
    it(`${dialect}: equal, null-safe and text (null as '') comparisons, across chunks of one parameter`, async () => {
      const loc = await makeInstance(dialect, { name: 'tuples', via: 'init' });
      await withInstances([[loc, false]], async (inst) => {
        const [typeId, a, b, c] = await insertRecords(inst, 'lamindb_ulabel', [
          { uid: 'TupType1', name: 'a type', is_type: true, created_by_id: 1 },
          { uid: 'TupLabl1', name: 'a', created_by_id: 1 },
          { uid: 'TupLabl2', name: 'b', description: 'about b', created_by_id: 1 },
          { uid: 'TupLabl3', name: 'c', description: '1:;-;', created_by_id: 1 },
        ]);
        await inst.db.updateTable('lamindb_ulabel').set({ type_id: typeId }).where('id', '=', b!).execute();
        const columns = ['id', 'type_id', 'description'];
        const match = ['equal', 'null-safe', 'text'] as const;
        const tuples: unknown[][] = [
          [a, null, null], // 0: present
          [a, null, ''], // 1: present ('' reads as null for text)
          [a, typeId, null], // 2: absent (type differs from null)
          [b, typeId, 'about b'], // 3: present
          [b, null, 'about b'], // 4: absent (null is not the type)
          [b, typeId, 'about c'], // 5: absent (text differs)
          [999_999, null, null], // 6: absent (no such row)
          [null, null, null], // 7: absent (null equals nothing)
          [c, null, '1:;-;'], // 8: present (text that looks like the parts of a tuple)
          [c, null, '1:;'], // 9: absent
          [c, null, null], // 10: absent
        ];
        assert.deepEqual(await absentTuples(inst, 'lamindb_ulabel', columns, [...match], tuples), [2, 4, 5, 6, 7, 9, 10]);
        // Many tuples: each index answered once, in order, whatever the chunking.
        const many = Array.from({ length: 60_000 }, (_, i) => (i % 3 === 0 ? [a, null, null] : [1_000_000 + i, null, null]));
        const absent = await absentTuples(inst, 'lamindb_ulabel', columns, [...match], many);
        assert.equal(absent.length, 40_000);
        assert.ok(absent.every((i) => i % 3 !== 0));
        assert.equal(new Set(absent).size, absent.length);
        // Nothing is written by asking.
        const labels = await selectWhereIn(inst, 'lamindb_ulabel', 'uid', ['TupType1', 'TupLabl1', 'TupLabl2']);
        assert.equal(labels.length, 3);
        assert.equal((await selectWhereIn(inst, 'lamindb_ulabel', 'uid', ['TupLabl3'])).length, 1);
      });
    });
  }
});

describe('pgArrayLiteral: one array parameter as Postgres reads it', () => {
  it('round-trips text, numbers, booleans and null through a real Postgres', async () => {
    const loc = await makeInstance('postgres', { name: 'arrays', via: 'init' });
    await withInstances([[loc, false]], async (inst) => {
      const text = ['plain', 'a "quoted" word', 'back\\slash', '', 'NULL', null, ' spaced ', '{braces}', 'a,b', 'é ∞', '{"json": [1, "x"]}'];
      const ints = [1, -2, null, 2 ** 40];
      const bools = [true, false, null];
      const echo = async (literal: string | null, type: string) => {
        assert.ok(literal !== null);
        const { rows } = await sql<{ v: unknown[] }>`SELECT ${literal}::${sql.raw(type)} AS v`.execute(inst.db);
        return rows[0]!.v;
      };
      assert.deepEqual(await echo(pgArrayLiteral(text), 'text[]'), text);
      assert.deepEqual((await echo(pgArrayLiteral(ints), 'bigint[]')).map((v) => (v === null ? null : Number(v))), ints);
      assert.deepEqual(await echo(pgArrayLiteral(bools), 'boolean[]'), bools);
      assert.equal(pgArrayLiteral([{ a: 1 }]), null, 'an object is left to the driver');
    });
  });
});
