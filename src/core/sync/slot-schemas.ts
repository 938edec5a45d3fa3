import { createHash } from 'node:crypto';
import { selectWhereIn } from '../instance/batch';
import { nowValue } from '../instance/values';
import { memberLinks, qualifiedModelName, registryOf, type MemberLink } from '../schema/registries';
import type { Planner } from './plan';
import { PlanRow } from './plan-rows';
import type { PlannedRow } from './types';
import { base62Uid } from './uid';

/**
 * Slot schemas as LaminDB's `transfer="annotations"` makes them (`FeatureManager._add_from`): not
 * copied, but rebuilt in the target from their members, like `Schema.from_values(<member uids>,
 * field=<registry>.uid)`. The rebuilt schema's hash is computed the way `Schema.__init__` computes
 * it; a target schema with that hash is used as it is; else a new schema is written, with the
 * source's uid when the hashes agree (a fresh random uid otherwise), `run_id` = the run that
 * started the sync, and a member link per member. Where the target's object already holds the
 * slot with another schema, the slot is pointed at the rebuilt one (LaminDB: "updating
 * annotation of artifact … with feature set for slot: …").
 */

/** LaminDB's `hash_string`: md5, url-safe base64 without padding, 22 characters. */
export function lamindbHashString(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('base64url').slice(0, 22);
}

/** The number dtype `Schema.from_values` gives a schema of non-Feature members (`NUMBER_TYPE`). */
const NUMBER_TYPE = 'num';

/** Above this many members LaminDB does not rebuild a slot's schema (`settings.annotation.n_max_records`). */
export const MAX_REBUILT_MEMBERS = 1000;

/** Hashes of LaminDB's built-in schemas and their fixed uids (`KNOWN_SCHEMAS` in `lamindb/models/schema.py`). */
const KNOWN_SCHEMAS: Record<string, string> = {
  'kMi7B_N88uu-YnbTLDU-DA': '0000000000000000',
  '1gocc_TJ1RU2bMwDRK-WUA': '0000000000000001',
  'UR_ozz2VI2sY8ckXop2RAg': '0000000000000002',
  aqGWHvyY49W_PHELUMiBMw: '0000000000000002',
};

/** The itype LaminDB gives a schema of a registry's records (`__get_name_with_module__`): `Feature`, `bionty.Gene`. */
export function itypeOf(memberTable: string): string {
  return qualifiedModelName(memberTable);
}

/**
 * The hash `Schema(features=…)` computes for a schema of members with the default set flags
 * (minimal, not ordered, not maximal, not flexible): its dtype, itype, the flags, the member count
 * and the hash of the members' sorted uids — each `code=value`, sorted, joined by `:`.
 */
export function lamindbSchemaHash(itype: string, dtype: string | null, memberUids: readonly string[]): string {
  const parts: string[] = [];
  if (dtype !== null) parts.push(`a=${dtype}`);
  parts.push(`b=${itype}`, 'c=True', 'd=False', 'e=False', `h=${memberUids.length}`);
  parts.push(`j=${lamindbHashString([...memberUids].sort().join(':'))}`);
  return lamindbHashString(parts.sort().join(':'));
}

/** The hash of the schema `Schema.from_values(<uids>, field=<registry>.uid)` builds. */
export function rebuiltSchemaHash(memberTable: string, memberUids: readonly string[]): string {
  return lamindbSchemaHash(itypeOf(memberTable), memberTable === 'lamindb_feature' ? null : NUMBER_TYPE, memberUids);
}

/** A slot of an object re-pointed at another schema in the target. */
export interface SlotUpdate {
  table: string;
  /** Its column pointing at the schema. */
  column: string;
  /** The target's link row (object, slot). */
  targetLinkId: number;
  /** The schema the slot gets (its target id is known once the plan is written). */
  schema: PlannedRow;
  ownerModel: string;
  ownerUid: string;
  slot: string;
}

/** One source schema of a slot, with its members as planned. */
export interface SlotSchema {
  source: Record<string, unknown>;
  memberLink: MemberLink | null;
  /** Member rows, in the order of the source's member links. */
  members: PlannedRow[];
  /** The source's member link id of each member. */
  memberLinkIds: number[];
  /** The schema the slot gets in the target; null when LaminDB skips the slot (no members). */
  rebuilt: PlannedRow | null;
}

export interface SlotPlan {
  link: MemberLink;
  /** The source's slot link rows (owner, schema, slot), in source order. */
  links: Record<string, unknown>[];
  schemas: Map<number, SlotSchema>;
}

/**
 * Reads the slot links of the owners and the members of their schemas, and queues the members
 * for planning (matched by uid, transferred when new). `finishSlots` builds the schemas once the
 * closure is complete.
 */
export async function readSlots(planner: Planner, link: MemberLink, owners: readonly PlannedRow[]): Promise<SlotPlan> {
  const { source } = planner;
  const links = await selectWhereIn(source, link.table, link.ownerColumn, owners.map((o) => o.sourceId));
  links.sort((a, b) => Number(a.id) - Number(b.id));
  const schemaIds = [...new Set(links.map((l) => Number(l[link.memberColumn])))];
  const schemaRows = await selectWhereIn(source, 'lamindb_schema', 'id', schemaIds);
  const schemas = new Map<number, SlotSchema>();
  for (const s of schemaRows) schemas.set(Number(s.id), { source: s, memberLink: null, members: [], memberLinkIds: [], rebuilt: null });
  const memberTables = memberLinks(source.catalog, 'lamindb_schema').filter((m) => m.table !== 'lamindb_schemacomponent');
  const memberIdsOf = new Map<number, Array<{ table: string; id: number; link: number }>>();
  for (const m of memberTables) {
    const rows = await selectWhereIn(source, m.table, m.ownerColumn, schemaIds, ['id', m.ownerColumn, m.memberColumn]);
    if (rows.length === 0) continue;
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    const ids = new Set<number>();
    for (const r of rows) {
      const schema = schemas.get(Number(r[m.ownerColumn]));
      if (!schema) continue;
      // A schema's members are of one registry (LaminDB's `validate_features`).
      if (schema.memberLink && schema.memberLink.table !== m.table) continue;
      schema.memberLink = m;
      const list = memberIdsOf.get(Number(schema.source.id)) ?? [];
      list.push({ table: m.memberTable, id: Number(r[m.memberColumn]), link: Number(r.id) });
      memberIdsOf.set(Number(schema.source.id), list);
      ids.add(Number(r[m.memberColumn]));
    }
    const todo = [...ids].filter((id) => !planner.find(m.memberTable, id));
    const members = await selectWhereIn(source, m.memberTable, 'id', todo);
    await planner.classify(m.memberTable, members, 'reference', () => 'member of a slot schema');
  }
  // Members are planned by `classify` (their foreign keys queued); remembered per schema in link order.
  for (const [schemaId, list] of memberIdsOf) {
    const schema = schemas.get(schemaId)!;
    for (const { table, id, link } of list) {
      const member = planner.find(table, id);
      if (!member) continue;
      schema.members.push(member);
      schema.memberLinkIds.push(link);
    }
  }
  return { link, links, schemas };
}

/**
 * Builds each slot's schema in the target (found there by hash, else planned as a new row with
 * its member links), plans the slot link rows the target lacks, and returns the slots to re-point.
 */
export async function finishSlots(planner: Planner, plan: SlotPlan): Promise<SlotUpdate[]> {
  const { source, target } = planner;
  const { link } = plan;
  // The members' uids in the target: the same as the source's, except where a registry matches by name.
  const targetUid = new Map<PlannedRow, string>();
  const byTable = new Map<string, PlannedRow[]>();
  for (const s of plan.schemas.values()) {
    for (const m of s.members) {
      if (m.action === 'transfer' || registryOf(source.catalog, m.table)?.naturalKey === 'uid') continue;
      const list = byTable.get(m.table) ?? [];
      list.push(m);
      byTable.set(m.table, list);
    }
  }
  for (const [table, rows] of byTable) {
    const found = await selectWhereIn(target, table, 'id', rows.map((r) => r.targetId), ['id', 'uid']);
    const uidById = new Map(found.map((f) => [Number(f.id), String(f.uid)]));
    for (const r of rows) targetUid.set(r, uidById.get(r.targetId!) ?? r.uid!);
  }

  // The hash each slot schema gets when rebuilt (or keeps, when too large to rebuild).
  const hashOf = new Map<SlotSchema, string>();
  for (const s of plan.schemas.values()) {
    if (!s.memberLink || s.members.length === 0) continue;
    if (s.members.length > MAX_REBUILT_MEMBERS) hashOf.set(s, String(s.source.hash));
    else hashOf.set(s, rebuiltSchemaHash(s.memberLink.memberTable, s.members.map((m) => targetUid.get(m) ?? m.uid!)));
  }
  const hashes = [...new Set(hashOf.values())];
  const existing = new Map<string, number>();
  for (const row of await selectWhereIn(target, 'lamindb_schema', 'hash', hashes, ['id', 'hash', 'branch_id'])) {
    if (Number(row.branch_id) === -1) continue;
    const h = String(row.hash);
    if (!existing.has(h) || Number(row.id) < existing.get(h)!) existing.set(h, Number(row.id));
  }
  // A uid the new schema would take that the target holds already (with another hash): that schema is used.
  const wantedUid = new Map<SlotSchema, string>();
  for (const [s, h] of hashOf) {
    if (existing.has(h)) continue;
    wantedUid.set(s, h === String(s.source.hash) ? String(s.source.uid) : (KNOWN_SCHEMAS[h] ?? base62Uid(16)));
  }
  const byUid = new Map<string, number>();
  for (const row of await selectWhereIn(target, 'lamindb_schema', 'uid', [...new Set(wantedUid.values())], ['id', 'uid'])) {
    byUid.set(String(row.uid), Number(row.id));
  }

  // Schemas this sync transfers anyway (an artifact's schema, reached by its foreign key): once
  // written, LaminDB's `Schema(…)` would find them by hash (or their uid), and so does the slot.
  const plannedByHash = new Map<string, PlannedRow>();
  const plannedByUid = new Map<string, PlannedRow>();
  for (const row of planner.rowsOf('lamindb_schema')) {
    if (row.action !== 'transfer' || !row.values || Number(row.values.branch_id) === -1) continue;
    if (row.values.hash !== null && row.values.hash !== undefined) plannedByHash.set(String(row.values.hash), row);
    plannedByUid.set(String(row.uid), row);
  }
  let synthetic = 0;
  const schemaFks = planner.followedForeignKeys('lamindb_schema');
  // Where several schemas have the rebuilt hash (LaminDB's lookup by hash would then fail), the
  // source's own schema is the one, when the target holds it or this sync brings it: the same
  // choice on every sync.
  const own = new Map<SlotSchema, PlannedRow>();
  const ownUids: string[] = [];
  for (const [s, h] of hashOf) {
    if (h !== String(s.source.hash)) continue;
    const planned = planner.find('lamindb_schema', s.source.id);
    if (planned?.action === 'transfer') own.set(s, planned);
    else ownUids.push(String(s.source.uid));
  }
  const ownInTarget = new Map<string, number>();
  for (const row of await selectWhereIn(target, 'lamindb_schema', 'uid', ownUids, ['id', 'uid', 'hash', 'branch_id'])) {
    if (Number(row.branch_id) !== -1) ownInTarget.set(`${String(row.uid)}\u0000${String(row.hash)}`, Number(row.id));
  }
  const rebuiltByHash = new Map<string, PlannedRow>();
  for (const [s, h] of hashOf) {
    const ownPlanned = own.get(s);
    if (ownPlanned) {
      s.rebuilt = ownPlanned;
      continue;
    }
    const ownId = ownInTarget.get(`${String(s.source.uid)}\u0000${h}`);
    if (ownId !== undefined) {
      s.rebuilt = planner.addBuiltRow(
        new PlanRow('lamindb_schema', 'Schema', --synthetic, String(s.source.uid), 'map', ownId, null, false, 'slot schema (found by uid and hash)'),
      );
      continue;
    }
    let rebuilt = rebuiltByHash.get(h);
    if (!rebuilt) {
      const uid = wantedUid.get(s);
      const found = existing.get(h) ?? (uid !== undefined ? byUid.get(uid) : undefined);
      const planned = found === undefined ? (plannedByHash.get(h) ?? (uid !== undefined ? plannedByUid.get(uid) : undefined)) : undefined;
      if (planned) {
        rebuilt = planned;
      } else if (found !== undefined) {
        rebuilt = planner.addBuiltRow(
          new PlanRow('lamindb_schema', 'Schema', --synthetic, uid ?? String(s.source.uid), 'map', found, null, false, 'slot schema (found by hash)'),
        );
      } else if (s.members.length > MAX_REBUILT_MEMBERS) {
        // Too large to rebuild: LaminDB saves the source's schema as it is (without its members).
        rebuilt = planner.addBuiltRow(
          new PlanRow('lamindb_schema', 'Schema', --synthetic, String(s.source.uid), 'transfer', null, { ...s.source }, false, 'slot schema (copied: too many members to rebuild)'),
          schemaFks,
          {},
        );
        rebuilt.rawSourceId = Number(s.source.id);
      } else {
        rebuilt = planner.addBuiltRow(
          new PlanRow('lamindb_schema', 'Schema', --synthetic, uid!, 'transfer', null, rebuiltValues(s, uid!, h, source.dialect), false, 'slot schema (rebuilt from its members)'),
          schemaFks,
          {},
        );
        rebuilt.contextRun = true;
        rebuilt.rawSourceId = Number(s.source.id);
        const m = s.memberLink!;
        const fks = planner.followedForeignKeys(m.table);
        const owner = rebuilt;
        s.members.forEach((member, i) => {
          const link = planner.addBuiltRow(
            new PlanRow(m.table, m.table, --synthetic, null, 'transfer', null, { id: synthetic, [m.ownerColumn]: null, [m.memberColumn]: null }, false, 'member of a slot schema'),
            fks,
            { [m.ownerColumn]: owner, [m.memberColumn]: member },
          );
          link.rawSourceId = s.memberLinkIds[i];
        });
      }
      rebuiltByHash.set(h, rebuilt);
    }
    s.rebuilt = rebuilt;
  }

  // The target's slots of the mapped owners.
  const ownerTable = planner.followedForeignKeys(link.table).find((fk) => fk.column === link.ownerColumn)!.refTable;
  const mappedOwners = [...new Set(plan.links.map((l) => planner.find(ownerTable, l[link.ownerColumn])!).filter((o) => o.action === 'map'))];
  const targetSlots = new Map<string, { id: number; schemaId: number }>();
  if (mappedOwners.length > 0 && target.catalog.tables.has(link.table)) {
    const rows = await selectWhereIn(target, link.table, link.ownerColumn, mappedOwners.map((o) => o.targetId), ['id', link.ownerColumn, link.memberColumn, 'slot']);
    for (const r of rows) targetSlots.set(`${String(r[link.ownerColumn])}\u0000${String(r.slot ?? '')}`, { id: Number(r.id), schemaId: Number(r[link.memberColumn]) });
  }
  const updates: SlotUpdate[] = [];
  const linkFks = planner.followedForeignKeys(link.table);
  const info = source.catalog.tables.get(link.table)!;
  for (const l of plan.links) {
    const owner = planner.find(ownerTable, l[link.ownerColumn])!;
    const schema = plan.schemas.get(Number(l[link.memberColumn]))?.rebuilt;
    if (!schema) continue;
    if (owner.action === 'map') {
      const there = targetSlots.get(`${owner.targetId}\u0000${String(l.slot ?? '')}`);
      if (there) {
        if (schema.action !== 'map' || schema.targetId !== there.schemaId) {
          updates.push({ table: link.table, column: link.memberColumn, targetLinkId: there.id, schema, ownerModel: owner.model, ownerUid: owner.uid!, slot: String(l.slot ?? '') });
        }
        continue;
      }
    }
    // A new link, as LaminDB's `_add_schema` writes it: the object, the schema and the slot.
    const values: Record<string, unknown> = {};
    for (const c of info.columns) values[c.name] = null;
    values.id = l.id;
    values.slot = l.slot ?? null;
    if (info.columnByName.has('created_at')) values.created_at = nowValue(source.dialect);
    planner.addBuiltRow(
      new PlanRow(link.table, link.table, Number(l.id), null, 'transfer', null, values, false, `slot ${String(l.slot)} of ${owner.model}(uid='${owner.uid}')`),
      linkFks,
      { [link.ownerColumn]: owner, [link.memberColumn]: schema },
    );
  }
  return updates;
}

/** The row `Schema.from_values(…)` saves: every attribute at its default but the computed ones. */
function rebuiltValues(s: SlotSchema, uid: string, hash: string, dialect: 'sqlite' | 'postgres'): Record<string, unknown> {
  const memberTable = s.memberLink!.memberTable;
  const now = nowValue(dialect);
  const v: Record<string, unknown> = {};
  for (const k of Object.keys(s.source)) v[k] = null;
  Object.assign(v, {
    id: s.source.id,
    uid,
    hash,
    itype: itypeOf(memberTable),
    _dtype_str: memberTable === 'lamindb_feature' ? null : NUMBER_TYPE,
    n_members: s.members.length,
    is_type: false,
    is_locked: false,
    flexible: false,
    minimal_set: true,
    ordered_set: false,
    maximal_set: false,
  });
  for (const [k, value] of [['branch_id', 1], ['created_on_id', 1], ['created_at', now], ['updated_at', now]] as const) {
    if (k in s.source) v[k] = value;
  }
  return v;
}

/** The warning LaminDB prints when it re-points a slot. */
export function slotUpdateWarning(u: SlotUpdate): string {
  return `updating annotation of ${u.ownerModel.toLowerCase()} ${u.ownerUid} with feature set for slot: ${u.slot}`;
}
