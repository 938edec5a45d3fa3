import { LaminSyncError } from '../errors';
import { selectWhereIn } from '../instance/batch';
import type { Instance } from '../instance/types';
import { labelLinks, memberLinks, modelName, qualifiedModelName } from '../schema/registries';
import { getRecord } from './records';
import { artifactStorageKey } from './storage-path';

/** One feature row: name, dtype as LaminDB displays it, and its values. */
export interface FeatureLine {
  name: string;
  dtype: string;
  values: string[];
}

export interface SlotDescription {
  slot: string;
  /** `8` or `3 bionty.Gene`: members, and the registry when it is not Feature. */
  members: number;
  itype: string | null;
  features: FeatureLine[];
}

export interface LabelLine {
  /** `.ulabels`, `.cell_types` */
  relatedName: string;
  /** `ULabel`, `bionty.CellType` */
  registry: string;
  values: string[];
}

/** An artifact's annotation tree, as LaminDB's `describe()` shows it. */
export interface ArtifactDescription {
  uid: string;
  key: string | null;
  version: string;
  description: string | null;
  /** The two-column block: uid, run, kind, otype, hash, size, branch, space, created_at, created_by, n_observations, n_files, schema. */
  general: Array<{ label: string; value: string }>;
  run: { uid: string; transformKey: string | null } | null;
  storagePath: string | null;
  datasetFeatures: SlotDescription[];
  externalFeatures: FeatureLine[];
  labels: LabelLine[];
}

/** Lines that tell where a record came from (they change with a sync): run and created_by. */
export const PROVENANCE_LABELS = ['run', 'created_by'];

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let x = n / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(1)} ${units[i]}`;
}

function formatTimestamp(v: unknown): string {
  return `${String(v).replace('T', ' ').slice(0, 19)} UTC`;
}

/** `cat[bionty.CellType]` → `bionty.CellType`; a Record/ULabel type uid → the type's name. */
function displayDtype(dtype: string, typeNames: Map<string, string>): string {
  let d = dtype.replace(/\b(Record|ULabel)\[([0-9A-Za-z]{8,16})\]/g, (m, reg: string, uid: string) =>
    typeNames.has(uid) ? `${reg}[${typeNames.get(uid)}]` : m,
  );
  while (/^(list\[)?cat\[/.test(d)) d = d.replace(/^(list\[)?cat\[(.*)\](\])?$/, (_m, l: string | undefined, inner: string, r: string | undefined) => `${l ?? ''}${inner}${r ?? ''}`);
  return d;
}

/** The field a categorical dtype shows (`cat[bionty.ExperimentalFactor.ontology_id]` → ontology_id). */
function dtypeField(dtype: string): string | null {
  const m = /cat\[(?:[a-z_]+\.)?[A-Z][A-Za-z]*\.([a-z_]+)\]/.exec(dtype);
  return m ? m[1]! : null;
}

function relatedName(table: string): string {
  if (table === 'lamindb_ulabel') return '.ulabels';
  const snake = modelName(table).replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return `.${snake.endsWith('y') ? `${snake.slice(0, -1)}ies` : `${snake}s`}`;
}

function nameField(columns: Set<string>): string {
  for (const c of ['name', 'symbol', 'handle', 'key', 'uid']) if (columns.has(c)) return c;
  return 'uid';
}

function jsonDisplay(v: unknown): string {
  try {
    const parsed = typeof v === 'string' ? JSON.parse(v) : v;
    return typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  } catch {
    return String(v);
  }
}

async function byIds(instance: Instance, table: string, ids: unknown[]): Promise<Map<number, Record<string, unknown>>> {
  const rows = ids.length > 0 && instance.catalog.tables.has(table) ? await selectWhereIn(instance, table, 'id', ids) : [];
  return new Map(rows.map((r) => [Number(r.id), r]));
}

/**
 * The annotation tree of an artifact (by uid or key), like LaminDB's `describe()`: the general
 * block, storage path, dataset features per schema slot, external features and labels.
 */
export async function describeArtifact(instance: Instance, ref: { uid?: string; key?: string }): Promise<ArtifactDescription> {
  const found = await getRecord(instance, { registry: 'Artifact', ...ref });
  if (!found) {
    throw new LaminSyncError(
      'NOT_FOUND',
      `No Artifact with ${ref.uid ? `uid '${ref.uid}'` : `key '${ref.key}'`} in ${instance.identity.slug}.`,
    );
  }
  const a = found.record;
  const cat = instance.catalog;
  const [storage, run, branch, space, user, schema] = await Promise.all([
    byIds(instance, 'lamindb_storage', [a.storage_id].filter((x) => x != null)),
    byIds(instance, 'lamindb_run', [a.run_id].filter((x) => x != null)),
    byIds(instance, 'lamindb_branch', [a.branch_id].filter((x) => x != null)),
    byIds(instance, 'lamindb_space', [a.space_id].filter((x) => x != null)),
    byIds(instance, 'lamindb_user', [a.created_by_id].filter((x) => x != null)),
    byIds(instance, 'lamindb_schema', [a.schema_id].filter((x) => x != null)),
  ]);
  const runRow = run.get(Number(a.run_id));
  const transform = runRow ? (await byIds(instance, 'lamindb_transform', [runRow.transform_id])).get(Number(runRow.transform_id)) : undefined;
  const uid = String(a.uid);
  const general: Array<{ label: string; value: string }> = [{ label: 'uid', value: uid }];
  if (runRow) general.push({ label: 'run', value: `${runRow.name ? String(runRow.name) : String(runRow.uid).slice(0, 7)} (${transform?.key ?? ''})` });
  if (a.kind != null) general.push({ label: 'kind', value: String(a.kind) });
  if (a.otype != null) general.push({ label: 'otype', value: String(a.otype) });
  if (a.hash != null) general.push({ label: 'hash', value: String(a.hash) });
  if (a.size != null) general.push({ label: 'size', value: formatBytes(Number(a.size)) });
  general.push({ label: 'branch', value: String(branch.get(Number(a.branch_id))?.name ?? a.branch_id) });
  general.push({ label: 'space', value: String(space.get(Number(a.space_id))?.name ?? a.space_id) });
  general.push({ label: 'created_at', value: formatTimestamp(a.created_at) });
  general.push({ label: 'created_by', value: String(user.get(Number(a.created_by_id))?.handle ?? a.created_by_id) });
  if (a.n_observations != null) general.push({ label: 'n_observations', value: String(Number(a.n_observations)) });
  if (a.n_files != null) general.push({ label: 'n_files', value: String(Number(a.n_files)) });
  const schemaRow = schema.get(Number(a.schema_id));
  if (schemaRow) general.push({ label: 'schema', value: schemaRow.name ? String(schemaRow.name) : String(schemaRow.uid).slice(0, 7) });
  const st = storage.get(Number(a.storage_id));

  // Categorical values: every label link of the artifact that names a feature.
  const featureIds = new Set<number>();
  const labelLinkRows: Array<{ table: string; memberTable: string; memberId: number; featureId: number | null }> = [];
  for (const link of labelLinks(cat, 'lamindb_artifact')) {
    const rows = await instance.db.selectFrom(link.table).selectAll().where(link.ownerColumn, '=', a.id).orderBy('id').execute();
    for (const r of rows) {
      const featureId = r.feature_id == null ? null : Number(r.feature_id);
      if (featureId !== null) featureIds.add(featureId);
      labelLinkRows.push({ table: link.table, memberTable: link.memberTable, memberId: Number(r[link.memberColumn]), featureId });
    }
  }
  const labelRows = new Map<string, Map<number, Record<string, unknown>>>();
  for (const table of new Set(labelLinkRows.map((l) => l.memberTable))) {
    labelRows.set(table, await byIds(instance, table, labelLinkRows.filter((l) => l.memberTable === table).map((l) => l.memberId)));
  }
  // Feature values.
  const jsonLinks = cat.tables.has('lamindb_artifactjsonvalue')
    ? await instance.db.selectFrom('lamindb_artifactjsonvalue').selectAll().where('artifact_id', '=', a.id).orderBy('id').execute()
    : [];
  const jsonValues = await byIds(instance, 'lamindb_jsonvalue', jsonLinks.map((l) => l.jsonvalue_id));
  for (const v of jsonValues.values()) if (v.feature_id != null) featureIds.add(Number(v.feature_id));

  // Schema slots and their members.
  const slotLinks = await instance.db.selectFrom('lamindb_artifactschema').selectAll().where('artifact_id', '=', a.id).orderBy('id').execute();
  const slotSchemas = await byIds(instance, 'lamindb_schema', slotLinks.map((l) => l.schema_id));
  const memberRowsBySchema = new Map<number, Array<{ table: string; id: number }>>();
  for (const link of memberLinks(cat, 'lamindb_schema')) {
    if (link.table === 'lamindb_schemacomponent') continue;
    const rows = await selectWhereIn(instance, link.table, link.ownerColumn, [...slotSchemas.keys()]);
    for (const r of rows.sort((x, y) => Number(x.id) - Number(y.id))) {
      const sid = Number(r[link.ownerColumn]);
      const list = memberRowsBySchema.get(sid) ?? [];
      list.push({ table: link.memberTable, id: Number(r[link.memberColumn]) });
      memberRowsBySchema.set(sid, list);
      if (link.memberTable === 'lamindb_feature') featureIds.add(Number(r[link.memberColumn]));
    }
  }
  const features = await byIds(instance, 'lamindb_feature', [...featureIds]);
  const members = new Map<string, Map<number, Record<string, unknown>>>();
  for (const table of new Set([...memberRowsBySchema.values()].flat().map((m) => m.table))) {
    members.set(table, await byIds(instance, table, [...memberRowsBySchema.values()].flat().filter((m) => m.table === table).map((m) => m.id)));
  }
  // Names of Record/ULabel types that dtypes mention by uid.
  const typeUids = new Set<string>();
  for (const f of features.values()) for (const m of String(f._dtype_str ?? '').matchAll(/\b(?:Record|ULabel)\[([0-9A-Za-z]{8,16})\]/g)) typeUids.add(m[1]!);
  const typeNames = new Map<string, string>();
  for (const table of ['lamindb_record', 'lamindb_ulabel']) {
    if (typeUids.size === 0) break;
    for (const r of await selectWhereIn(instance, table, 'uid', [...typeUids], ['uid', 'name'])) typeNames.set(String(r.uid), String(r.name));
  }

  // values per feature id
  const values = new Map<number, string[]>();
  const add = (fid: number, v: string) => {
    const list = values.get(fid) ?? [];
    if (!list.includes(v)) list.push(v);
    values.set(fid, list);
  };
  for (const l of labelLinkRows) {
    if (l.featureId === null) continue;
    const label = labelRows.get(l.memberTable)?.get(l.memberId);
    const feature = features.get(l.featureId);
    if (!label || !feature) continue;
    if (label.branch_id !== undefined && Number(label.branch_id) < 1) continue; // archive and trash are not shown
    const field = dtypeField(String(feature._dtype_str ?? '')) ?? nameField(new Set(Object.keys(label)));
    add(l.featureId, String(label[field] ?? label.uid));
  }
  for (const v of jsonValues.values()) if (v.feature_id != null) add(Number(v.feature_id), jsonDisplay(v.value));
  const line = (fid: number): FeatureLine => {
    const f = features.get(fid)!;
    return { name: String(f.name), dtype: displayDtype(String(f._dtype_str ?? ''), typeNames), values: [...(values.get(fid) ?? [])].sort() };
  };
  const byName = (x: FeatureLine, y: FeatureLine) => x.name.localeCompare(y.name) || x.dtype.localeCompare(y.dtype);

  const datasetFeatures: SlotDescription[] = [];
  const internal = new Set<number>();
  for (const l of slotLinks) {
    const s = slotSchemas.get(Number(l.schema_id));
    if (!s) continue;
    const ms = memberRowsBySchema.get(Number(s.id)) ?? [];
    const itype = s.itype == null ? null : String(s.itype);
    const isFeature = itype === null || itype === 'Feature';
    let lines: FeatureLine[];
    if (isFeature) {
      for (const m of ms) internal.add(m.id);
      lines = ms.filter((m) => features.has(m.id)).map((m) => line(m.id)).sort(byName);
    } else {
      lines = ms
        .map((m) => members.get(m.table)?.get(m.id))
        .filter((r): r is Record<string, unknown> => r !== undefined)
        .map((r) => ({ name: String(r[nameField(new Set(Object.keys(r)))] ?? r.uid), dtype: String(s._dtype_str ?? ''), values: [] }))
        .sort(byName);
    }
    const registry = ms[0] ? qualifiedModelName(ms[0].table) : itype ? itype.split('.').slice(0, 2).join('.') : null;
    datasetFeatures.push({
      slot: String(l.slot ?? ''),
      members: s.n_members != null ? Number(s.n_members) : ms.length,
      itype: isFeature ? null : registry,
      features: lines,
    });
  }
  const externalFeatures = [...values.keys()].filter((fid) => !internal.has(fid) && features.has(fid)).map(line).sort(byName);

  const labels: LabelLine[] = [];
  const seenTables: string[] = [];
  for (const l of labelLinkRows) if (!seenTables.includes(l.memberTable)) seenTables.push(l.memberTable);
  for (const table of seenTables) {
    const names: string[] = [];
    for (const l of labelLinkRows.filter((x) => x.memberTable === table)) {
      const r = labelRows.get(table)?.get(l.memberId);
      if (!r) continue;
      const v = String(r[nameField(new Set(Object.keys(r)))] ?? r.uid);
      if (!names.includes(v)) names.push(v);
    }
    labels.push({ relatedName: relatedName(table), registry: qualifiedModelName(table), values: names });
  }
  return {
    uid,
    key: a.key == null ? null : String(a.key),
    version: a.version_tag ? String(a.version_tag) : uid.slice(-4),
    description: a.description == null ? null : String(a.description),
    general,
    run: runRow ? { uid: String(runRow.uid), transformKey: transform?.key == null ? null : String(transform.key) } : null,
    storagePath: st ? `${String(st.root).replace(/\/+$/, '')}/${artifactStorageKey(a)}` : null,
    datasetFeatures,
    externalFeatures,
    labels,
  };
}

/** The description without what a sync changes (run and created_by), for comparing two instances. */
export function withoutProvenance(d: ArtifactDescription): Omit<ArtifactDescription, 'run'> {
  const { run: _run, ...rest } = d;
  void _run;
  return { ...rest, general: d.general.filter((g) => !PROVENANCE_LABELS.includes(g.label)) };
}
