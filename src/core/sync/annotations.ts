import { absentTuples, selectWhereIn, type TupleMatch } from '../instance/batch';
import { BUILTIN_BRANCH_IDS, labelLinks, ownerLink, type MemberLink } from '../schema/registries';
import { appendAll, ReportList, type AnnotationPlanner, type Planner } from './plan';
import { RowMarks } from './plan-rows';
import { finishSlots, readSlots, type SlotPlan } from './slot-schemas';
import type { PlannedRow } from './types';

/**
 * Sync with annotations (LaminDB's `transfer="annotations"`): after the objects themselves, their
 * schema slots with the schemas' members, their feature values, and every label registry linked
 * to them with the link rows and the feature each link is attached to. Labels, features and
 * schemas are matched by uid; link rows the target already holds are not written again.
 */

const BULK_ORDER = ['bionty_organism', 'bionty_source'];
function bulkRank(row: PlannedRow): number {
  const i = BULK_ORDER.indexOf(row.table);
  return i < 0 ? BULK_ORDER.length : i;
}

/** Feature dtypes name Record and ULabel types by uid (`cat[Record[<uid>]]`): those types travel too. */
const TYPE_IN_DTYPE = /\b(Record|ULabel)\[([0-9A-Za-z]{8,16})\]/g;

function parseJson(v: unknown): string {
  if (typeof v !== 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(JSON.parse(v));
  } catch {
    return v;
  }
}

export const annotationPlanner: AnnotationPlanner = async (planner: Planner) => {
  const { source } = planner;
  const owners = planner.requested.map((k) => planner.rows.get(k)!);
  // What the objects' own report lists comes first; the annotations follow it.
  for (const owner of owners) planner.listClosure(owner, new ReportList(), planner.listed);

  const byTable = new Map<string, PlannedRow[]>();
  for (const o of owners) {
    const list = byTable.get(o.table);
    if (list) list.push(o);
    else byTable.set(o.table, [o]);
  }

  // Slot schemas are rebuilt from their members (slot-schemas.ts): their links and members first.
  const slotPlans: SlotPlan[] = [];
  for (const [table, rows] of byTable) {
    const slots = ownerLink(source.catalog, table, 'lamindb_schema');
    if (slots) slotPlans.push(await readSlots(planner, slots, rows));
  }
  const labelLinkTables: MemberLink[] = [];
  for (const [table, rows] of byTable) {
    for (const link of labelLinks(source.catalog, table)) {
      labelLinkTables.push(link);
      planner.queueLinks({ link, owners: rows, reportMembers: false, annotation: true });
    }
  }
  // Their rows are asked now and answered while the feature values are read and planned.
  planner.startLinkReads();
  for (const [table, rows] of byTable) {
    const values = ownerLink(source.catalog, table, 'lamindb_jsonvalue');
    if (!values) continue;
    const { full, keyOnly } = await planner.readLinks(values, rows);
    const valueIds = [...full, ...keyOnly].map((l) => l[values.memberColumn]);
    const jsonRows = await selectWhereIn(source, 'lamindb_jsonvalue', 'id', valueIds);
    for (const v of jsonRows) planner.addUnkeyedRow('lamindb_jsonvalue', v, 'feature value');
    const ownerBySource = new Map(rows.map((r) => [r.sourceId, r]));
    for (const l of full) {
      planner.addLinkRow(values, l, ownerBySource.get(Number(l[values.ownerColumn]))!, 'feature value link', false);
    }
    planner.deferLinks(values, keyOnly);
  }
  await planner.complete();
  for (const slots of slotPlans) appendAll(planner.slotUpdates, await finishSlots(planner, slots));

  // Record and ULabel types named in transferred features' dtypes, with their values.
  const typeUids = new Map<string, Set<string>>();
  for (const row of planner.rowsOf('lamindb_feature')) {
    if (row.action !== 'transfer') continue;
    for (const m of String(row.values?._dtype_str ?? '').matchAll(TYPE_IN_DTYPE)) {
      const table = m[1] === 'Record' ? 'lamindb_record' : 'lamindb_ulabel';
      typeUids.set(table, (typeUids.get(table) ?? new Set()).add(m[2]!));
    }
  }
  const asked = planner.requested.length;
  for (const [table, uids] of typeUids) {
    const types = await selectWhereIn(source, table, 'uid', [...uids]);
    await planner.classify(table, types, 'requested', () => 'type named in a feature dtype');
    const children = await selectWhereIn(source, table, 'type_id', types.map((t) => t.id));
    await planner.classify(table, children, 'reference', () => 'value of a type named in a feature dtype');
  }
  // `requested` gained the types above (at its end) only to match them by uid; they are not what the user asked for.
  planner.requested.length = asked;
  await planner.complete();

  await matchFeatureValues(planner);
  await planDeferredLinks(planner);
  await planner.fillKeyOnlyRows();
  annotationReportOrder(planner, slotPlans, labelLinkTables, planner.annotationReport);
};

/** Feature values have no uid: one is the same value when the target has it for the same feature (hash, else the JSON). */
async function matchFeatureValues(planner: Planner): Promise<void> {
  // Per target feature: the values to transfer, indexed by hash and by their JSON text.
  interface Candidates {
    byHash: Map<unknown, PlannedRow[]>;
    /** Values without a hash, by JSON. */
    byJsonNoHash: Map<string, PlannedRow[]>;
    /** Every value, by JSON (lazily built: only an existing value without a hash needs it). */
    all: PlannedRow[];
    byJsonAll: Map<string, PlannedRow[]> | null;
  }
  const push = <K>(m: Map<K, PlannedRow[]>, k: K, v: PlannedRow) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  // Per target feature id; `null` for values without a feature (feature_id NULL matches NULL, null-safe).
  const byFeature = new Map<number | null, Candidates>();
  for (const v of planner.rowsOf('lamindb_jsonvalue')) {
    if (v.action !== 'transfer') continue;
    const at = v.fks.findIndex((fk) => fk.column === 'feature_id');
    if (at < 0) continue;
    const feature = planner.deref(v, at);
    const noFeature = v.refs[at] === null;
    if (!noFeature && (!feature || feature.action !== 'map' || feature.targetId === null)) continue;
    const key = noFeature ? null : feature!.targetId;
    let c = byFeature.get(key);
    if (!c) byFeature.set(key, (c = { byHash: new Map(), byJsonNoHash: new Map(), all: [], byJsonAll: null }));
    c.all.push(v);
    if (v.values!.hash !== null && v.values!.hash !== undefined) push(c.byHash, v.values!.hash, v);
    else push(c.byJsonNoHash, parseJson(v.values!.value), v);
  }
  if (byFeature.size === 0 || !planner.target.catalog.tables.has('lamindb_jsonvalue')) return;
  const columns = ['id', 'feature_id', 'hash', 'value'];
  const featureIds = [...byFeature.keys()].filter((k): k is number => k !== null);
  const existing = await selectWhereIn(planner.target, 'lamindb_jsonvalue', 'feature_id', featureIds, columns);
  if (byFeature.has(null)) {
    appendAll(existing, await planner.target.db.selectFrom('lamindb_jsonvalue').select(columns).where('feature_id', 'is', null).execute());
  }
  for (const e of existing) {
    const c = byFeature.get(e.feature_id === null || e.feature_id === undefined ? null : Number(e.feature_id));
    if (!c) continue;
    let matches: PlannedRow[][];
    if (e.hash !== null && e.hash !== undefined) {
      // Both hashed: the hashes decide; a value without a hash compares its JSON.
      matches = [c.byHash.get(e.hash) ?? []];
      if (c.byJsonNoHash.size > 0) matches.push(c.byJsonNoHash.get(parseJson(e.value)) ?? []);
    } else {
      if (!c.byJsonAll) {
        c.byJsonAll = new Map();
        for (const v of c.all) push(c.byJsonAll, parseJson(v.values!.value), v);
      }
      matches = [c.byJsonAll.get(parseJson(e.value)) ?? []];
    }
    for (const list of matches) {
      for (const v of list) {
        if (v.action === 'map') continue;
        v.action = 'map';
        v.targetId = Number(e.id);
        v.values = null;
      }
    }
  }
}

/**
 * Deferred link rows (of mapped owners) whose ends are all mapped may be in the target already:
 * those are only listed in the report. The others are planned and transferred.
 */
async function planDeferredLinks(planner: Planner): Promise<void> {
  for (const { link, rows } of planner.deferred.values()) {
    const fks = planner.followedForeignKeys(link.table);
    const owner = fks.findIndex((fk) => fk.column === link.ownerColumn);
    const withSlot = planner.source.catalog.tables.get(link.table)!.columnByName.has('slot');
    const targetInfo = planner.target.catalog.tables.get(link.table);
    // Candidates (all ends in the target) and, k per candidate, the target value of each
    // followed foreign key (null where the source has none).
    const k = fks.length;
    const candidates: Record<string, unknown>[] = [];
    const ends: unknown[] = [];
    const fresh: Record<string, unknown>[] = [];
    for (const row of rows) {
      const at = ends.length;
      let allMapped = targetInfo !== undefined && owner >= 0;
      for (let i = 0; i < k && allMapped; i++) {
        const v = row[fks[i]!.column];
        if (v === null || v === undefined) ends.push(null);
        else if (fks[i]!.column === 'branch_id' && BUILTIN_BRANCH_IDS.has(Number(v))) ends.push(Number(v));
        else {
          const end = planner.find(fks[i]!.refTable, v);
          if (end?.action === 'map' && end.targetId !== null) ends.push(end.targetId);
          else allMapped = false;
        }
      }
      if (allMapped) candidates.push(row);
      else {
        ends.length = at;
        fresh.push(row);
      }
    }
    if (candidates.length > 0) {
      // The identity of a link: its followed foreign keys (the owner first: it is indexed), and a
      // schema link's slot. A column the target lacks matches only where the source has no value.
      const order = [owner, ...fks.keys()].filter((i, at) => at === 0 || i !== owner);
      const compared = order.filter((i) => targetInfo!.columnByName.has(fks[i]!.column));
      const slot = withSlot && targetInfo!.columnByName.has('slot');
      const tuples: unknown[][] = [];
      const asked: Record<string, unknown>[] = [];
      for (let ci = 0; ci < candidates.length; ci++) {
        const row = candidates[ci]!;
        const base = ci * k;
        const lacking =
          order.some((i) => !targetInfo!.columnByName.has(fks[i]!.column) && ends[base + i] !== null) ||
          (withSlot && !slot && (row.slot ?? '') !== '');
        if (lacking) {
          fresh.push(row);
          continue;
        }
        const tuple = compared.map((i) => ends[base + i]);
        if (slot) tuple.push(row.slot ?? null);
        tuples.push(tuple);
        asked.push(row);
      }
      const columns = compared.map((i) => fks[i]!.column);
      const match: TupleMatch[] = compared.map((i) => (i === owner ? 'equal' : 'null-safe'));
      if (slot) {
        columns.push('slot');
        match.push('text');
      }
      const absent = new Set(await absentTuples(planner.target, link.table, columns, match, tuples));
      const found: Record<string, unknown>[] = [];
      asked.forEach((row, i) => (absent.has(i) ? fresh : found).push(row));
      const known = planner.matchedLinks.get(link.table);
      if (known) appendAll(known, found);
      else planner.matchedLinks.set(link.table, found);
    }
    const ownerTable = owner >= 0 ? fks[owner]!.refTable : null;
    const what = `${link.memberColumn.replace(/_id$/, '')} of `;
    for (const row of fresh) {
      const o = ownerTable ? planner.find(ownerTable, row[link.ownerColumn]) : undefined;
      planner.planDeferred(link, row, o ? `${what}${o.model}(uid='${o.uid}')` : 'link');
    }
  }
  planner.deferred.clear();
}

/**
 * LaminDB's order: per schema slot the new members (their foreign keys first, as its bulk
 * transfer does); then per label registry each label as it is linked (a repeat reads as mapped),
 * its foreign keys, and the link features that arrive with it.
 */
function annotationReportOrder(planner: Planner, slotPlans: SlotPlan[], labelLinkTables: MemberLink[], out: ReportList): void {
  const seen = planner.listed;
  /**
   * A link table's rows, planned or found in the target, in source order: the ends the report
   * needs, as two arrays (member, feature) with one entry per link row.
   */
  const linkRows = (link: MemberLink) => {
    const featureTable = planner.followedForeignKeys(link.table).find((fk) => fk.column === 'feature_id')?.refTable;
    const planned = planner.rowsOf(link.table);
    const matched = planner.matchedLinks.get(link.table) ?? [];
    const n = planned.length + matched.length;
    const sourceIds = new Float64Array(n);
    const members: Array<PlannedRow | null> = new Array(n);
    const features: Array<PlannedRow | null> = new Array(n);
    let sorted = true;
    let i = 0;
    for (const row of planned) {
      let member: PlannedRow | null = null;
      let feature: PlannedRow | null = null;
      for (let k = 0; k < row.fks.length; k++) {
        const column = row.fks[k]!.column;
        if (column === link.memberColumn) member = planner.deref(row, k);
        else if (column === 'feature_id') feature = planner.deref(row, k);
      }
      sourceIds[i] = row.sourceId;
      members[i] = member;
      features[i] = feature;
      if (i > 0 && sourceIds[i - 1]! > row.sourceId) sorted = false;
      i++;
    }
    for (const row of matched) {
      const f = row.feature_id;
      sourceIds[i] = Number(row.id);
      members[i] = planner.find(link.memberTable, row[link.memberColumn]) ?? null;
      features[i] = featureTable && f !== null && f !== undefined ? (planner.find(featureTable, f) ?? null) : null;
      if (i > 0 && sourceIds[i - 1]! > sourceIds[i]!) sorted = false;
      i++;
    }
    // LaminDB lists them as `artifact.<labels>.all()` returns them: by the label's id (then the link's).
    const labelId = (k: number) => members[k]?.sourceId ?? Number.MAX_SAFE_INTEGER;
    for (let k = 1; k < n && sorted; k++) if (labelId(k - 1) > labelId(k)) sorted = false;
    if (sorted) return { members, features };
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => labelId(a) - labelId(b) || sourceIds[a]! - sourceIds[b]!);
    return { members: order.map((k) => members[k] ?? null), features: order.map((k) => features[k] ?? null) };
  };
  const fresh = (row: PlannedRow | null): row is PlannedRow => row?.action === 'transfer' && !seen.has(row);

  // Per slot (in link order) the new members of its schema; a schema met again lists nothing new.
  // The rebuilt schemas themselves are not listed (LaminDB does not list them).
  for (const slots of slotPlans) {
    const done = new Set<number>();
    for (const l of slots.links) {
      const id = Number(l[slots.link.memberColumn]);
      const schema = slots.schemas.get(id);
      if (!schema || done.has(id)) continue;
      done.add(id);
      const newMembers = schema.members.filter(fresh);
      // LaminDB resolves the new members' foreign keys in bulk (organism, source) before the members.
      const bulk = [...new Set(newMembers.flatMap((m) => m.refs.map((_, k) => planner.deref(m, k))))].filter(fresh);
      bulk.sort((a, b) => bulkRank(a) - bulkRank(b));
      for (const row of bulk) {
        seen.add(row);
        if (row.reportable) out.push(row, 'transfer');
      }
      for (const row of bulk) for (let k = 0; k < row.refs.length; k++) planner.listClosure(planner.deref(row, k), out, seen);
      for (const row of newMembers) planner.listClosure(row, out, seen);
    }
  }
  for (const label of labelLinkTables) {
    const features: PlannedRow[] = [];
    const once = new RowMarks();
    const { members, features: linkFeatures } = linkRows(label);
    for (let i = 0; i < members.length; i++) {
      const row = members[i];
      if (!row) continue;
      if (once.has(row)) {
        out.push(row, 'map');
      } else {
        once.add(row);
        // Met before (as another label's type, say): LaminDB finds it in the target now.
        if (seen.has(row)) out.push(row, 'map');
        else {
          planner.listWhenMapped(row.table, row.sourceId);
          planner.listClosure(row, out, seen);
        }
      }
      const feature = linkFeatures[i];
      if (feature && !seen.has(feature)) features.push(feature);
    }
    for (const f of features) planner.listClosure(f, out, seen);
  }
}
