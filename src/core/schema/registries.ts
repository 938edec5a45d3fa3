import type { Catalog, TableInfo } from '../instance/catalog';

/**
 * LaminDB model class names by table (lamindb 2.9's and bionty's model classes, link models
 * included). Django lower-cases table names, so the class names that reports use (`ULabel`,
 * `CellType`, `ArtifactULabel`) cannot be read off the database. A many-to-many table Django made
 * itself (`lamindb_project_parents`) is named as Django names it (`Project_parents`); other unknown
 * tables fall back to a capitalized model name.
 */
const MODEL_NAMES: Record<string, string> = {
  bionty_artifactcellline: 'ArtifactCellLine',
  bionty_artifactcellmarker: 'ArtifactCellMarker',
  bionty_artifactcelltype: 'ArtifactCellType',
  bionty_artifactdevelopmentalstage: 'ArtifactDevelopmentalStage',
  bionty_artifactdisease: 'ArtifactDisease',
  bionty_artifactethnicity: 'ArtifactEthnicity',
  bionty_artifactexperimentalfactor: 'ArtifactExperimentalFactor',
  bionty_artifactgene: 'ArtifactGene',
  bionty_artifactorganism: 'ArtifactOrganism',
  bionty_artifactpathway: 'ArtifactPathway',
  bionty_artifactphenotype: 'ArtifactPhenotype',
  bionty_artifactprotein: 'ArtifactProtein',
  bionty_artifacttissue: 'ArtifactTissue',
  bionty_cellline: 'CellLine',
  bionty_cellmarker: 'CellMarker',
  bionty_celltype: 'CellType',
  bionty_developmentalstage: 'DevelopmentalStage',
  bionty_disease: 'Disease',
  bionty_ethnicity: 'Ethnicity',
  bionty_experimentalfactor: 'ExperimentalFactor',
  bionty_gene: 'Gene',
  bionty_organism: 'Organism',
  bionty_pathway: 'Pathway',
  bionty_phenotype: 'Phenotype',
  bionty_protein: 'Protein',
  bionty_recordcellline: 'RecordCellLine',
  bionty_recordcellmarker: 'RecordCellMarker',
  bionty_recordcelltype: 'RecordCellType',
  bionty_recorddevelopmentalstage: 'RecordDevelopmentalStage',
  bionty_recorddisease: 'RecordDisease',
  bionty_recordethnicity: 'RecordEthnicity',
  bionty_recordexperimentalfactor: 'RecordExperimentalFactor',
  bionty_recordgene: 'RecordGene',
  bionty_recordorganism: 'RecordOrganism',
  bionty_recordpathway: 'RecordPathway',
  bionty_recordphenotype: 'RecordPhenotype',
  bionty_recordprotein: 'RecordProtein',
  bionty_recordtissue: 'RecordTissue',
  bionty_schemacellmarker: 'SchemaCellMarker',
  bionty_schemagene: 'SchemaGene',
  bionty_schemapathway: 'SchemaPathway',
  bionty_schemaprotein: 'SchemaProtein',
  bionty_source: 'Source',
  bionty_tissue: 'Tissue',
  lamindb_artifact: 'Artifact',
  lamindb_artifactartifact: 'ArtifactArtifact',
  lamindb_artifactblock: 'ArtifactBlock',
  lamindb_artifactjsonvalue: 'ArtifactJsonValue',
  lamindb_artifactproject: 'ArtifactProject',
  lamindb_artifactrecord: 'ArtifactRecord',
  lamindb_artifactreference: 'ArtifactReference',
  lamindb_artifactrun: 'ArtifactRun',
  lamindb_artifactschema: 'ArtifactSchema',
  lamindb_artifactulabel: 'ArtifactULabel',
  lamindb_artifactuser: 'ArtifactUser',
  lamindb_block: 'Block',
  lamindb_blockproject: 'BlockProject',
  lamindb_branch: 'Branch',
  lamindb_branchblock: 'BranchBlock',
  lamindb_branchproject: 'BranchProject',
  lamindb_branchulabel: 'BranchULabel',
  lamindb_branchuser: 'BranchUser',
  lamindb_collection: 'Collection',
  lamindb_collectionartifact: 'CollectionArtifact',
  lamindb_collectionblock: 'CollectionBlock',
  lamindb_collectionproject: 'CollectionProject',
  lamindb_collectionrecord: 'CollectionRecord',
  lamindb_collectionreference: 'CollectionReference',
  lamindb_collectionulabel: 'CollectionULabel',
  lamindb_feature: 'Feature',
  lamindb_featureblock: 'FeatureBlock',
  lamindb_featureproject: 'FeatureProject',
  lamindb_jsonvalue: 'JsonValue',
  lamindb_project: 'Project',
  lamindb_projectblock: 'ProjectBlock',
  lamindb_projectrecord: 'ProjectRecord',
  lamindb_projectuser: 'ProjectUser',
  lamindb_record: 'Record',
  lamindb_recordartifact: 'RecordArtifact',
  lamindb_recordblock: 'RecordBlock',
  lamindb_recordcollection: 'RecordCollection',
  lamindb_recordjson: 'RecordJson',
  lamindb_recordproject: 'RecordProject',
  lamindb_recordrecord: 'RecordRecord',
  lamindb_recordreference: 'RecordReference',
  lamindb_recordrun: 'RecordRun',
  lamindb_recordtransform: 'RecordTransform',
  lamindb_recordulabel: 'RecordULabel',
  lamindb_recorduser: 'RecordUser',
  lamindb_reference: 'Reference',
  lamindb_referencerecord: 'ReferenceRecord',
  lamindb_run: 'Run',
  lamindb_runartifact: 'RunArtifact',
  lamindb_runblock: 'RunBlock',
  lamindb_runjsonvalue: 'RunJsonValue',
  lamindb_runproject: 'RunProject',
  lamindb_runrecord: 'RunRecord',
  lamindb_runulabel: 'RunULabel',
  lamindb_schema: 'Schema',
  lamindb_schemablock: 'SchemaBlock',
  lamindb_schemacomponent: 'SchemaComponent',
  lamindb_schemafeature: 'SchemaFeature',
  lamindb_schemaproject: 'SchemaProject',
  lamindb_space: 'Space',
  lamindb_spaceblock: 'SpaceBlock',
  lamindb_storage: 'Storage',
  lamindb_transform: 'Transform',
  lamindb_transformblock: 'TransformBlock',
  lamindb_transformproject: 'TransformProject',
  lamindb_transformrecord: 'TransformRecord',
  lamindb_transformreference: 'TransformReference',
  lamindb_transformtransform: 'TransformTransform',
  lamindb_transformulabel: 'TransformULabel',
  lamindb_ulabel: 'ULabel',
  lamindb_ulabelblock: 'ULabelBlock',
  lamindb_ulabelproject: 'ULabelProject',
  lamindb_user: 'User',
};

export function appOf(table: string): string {
  const i = table.indexOf('_');
  return i < 0 ? table : table.slice(0, i);
}

export function modelName(table: string): string {
  const known = MODEL_NAMES[table];
  if (known) return known;
  const auto = autoCreatedLink(table);
  if (auto) return `${auto.model}_${auto.field}`;
  const model = modelPart(table);
  return model.charAt(0).toUpperCase() + model.slice(1);
}

/** A table Django made for a many-to-many field (`lamindb_project_parents`): its model and field. */
function autoCreatedLink(table: string): { model: string; field: string } | null {
  for (let i = table.indexOf('_', table.indexOf('_') + 1); i > 0; i = table.indexOf('_', i + 1)) {
    const model = MODEL_NAMES[table.slice(0, i)];
    if (model) return { model, field: table.slice(i + 1) };
  }
  return null;
}

/** Registry names a link model's name is made of (`ArtifactULabel` → Artifact, ULabel). */
const REGISTRY_MODELS = [...new Set(Object.values(MODEL_NAMES))].sort((a, b) => b.length - a.length);

/**
 * How a table is named to users (progress, plans): a registry by its model (`Artifact`,
 * `bionty.CellType`), a link table by what it links (`Artifact–ULabel links`,
 * `Artifact–bionty.CellType links`, `Project.parents links`).
 */
export function tableDisplayName(table: string, isRegistry = false): string {
  const app = appOf(table);
  const prefix = app === 'lamindb' ? '' : `${app}.`;
  const auto = autoCreatedLink(table);
  if (auto) return `${prefix}${auto.model}.${auto.field.replace(/^_+/, '')} links`;
  const model = modelName(table);
  if (isRegistry) return `${prefix}${model}`;
  for (const left of REGISTRY_MODELS) {
    if (!model.startsWith(left) || model === left) continue;
    const right = model.slice(left.length);
    if (REGISTRY_MODELS.includes(right) || right === 'Json' || right === 'Component') {
      // Each side named as its registry is (`Artifact–bionty.CellType links`): a module's link
      // table joins LaminDB's registries with the module's own.
      const side = (m: string) => (prefix && MODEL_NAMES[`${app}_${m.toLowerCase()}`] === m ? `${prefix}${m}` : m);
      return `${side(left)}–${side(right)} links`;
    }
  }
  return `${prefix}${model}`;
}

/** `bionty.CellType` for module registries, `ULabel` for core ones, as LaminDB's describe prints them. */
export function qualifiedModelName(table: string): string {
  const app = appOf(table);
  return app === 'lamindb' ? modelName(table) : `${app}.${modelName(table)}`;
}

/** Foreign keys that record provenance; sync re-points them instead of following them. */
export const PROVENANCE_COLUMNS = ['created_by_id', 'run_id', 'space_id', 'branch_id'] as const;

/** Branch ids every instance has (1 main, 0 archive, -1 trash): kept as they are. */
export const BUILTIN_BRANCH_IDS = new Set([1, 0, -1]);

/**
 * Foreign keys in the order LaminDB walks them (Django's field order: the base fields
 * `created_on`, `space`, then the model's own in declaration order), which is the order they
 * appear in its report. Columns not named here follow in the database's column order.
 */
const FIELD_ORDER: Record<string, string[]> = {
  lamindb_artifact: ['created_on_id', 'space_id', 'storage_id', 'schema_id'],
  lamindb_collection: ['created_on_id', 'space_id', 'meta_artifact_id', 'schema_id'],
  lamindb_run: ['created_on_id', 'space_id', 'transform_id', 'report_id', 'environment_id', 'plan_id', 'initiated_by_run_id'],
  lamindb_transform: ['created_on_id', 'space_id', 'environment_id', 'plan_id'],
};

export function orderedForeignKeys<T extends { column: string }>(table: string, fks: readonly T[]): T[] {
  const order = FIELD_ORDER[table] ?? ['created_on_id', 'space_id'];
  const rank = (c: string): number => {
    const i = order.indexOf(c);
    return i < 0 ? order.length : i;
  };
  return fks.map((fk, i) => ({ fk, i })).sort((a, b) => rank(a.fk.column) - rank(b.fk.column) || a.i - b.i).map((x) => x.fk);
}

export interface Registry {
  table: string;
  app: string;
  /** Model class name as LaminDB reports it. */
  model: string;
  /** How a foreign key to it is matched in another instance: Storage by root, ULabel by name, else uid. */
  naturalKey: 'uid' | 'root' | 'name';
  /** Has a version family (`is_latest`, uid = stem + 4-character version). */
  versioned: boolean;
  /** Has a `key` column (Artifact, Collection, Transform, …). */
  hasKey: boolean;
  /** Has a `name` column. */
  hasName: boolean;
  info: TableInfo;
}

/** A table is a registry when it has a `uid` column (every syncable LaminDB model has one). */
export function registryOf(catalog: Catalog, table: string): Registry | null {
  const info = catalog.tables.get(table);
  if (!info || !info.columnByName.has('uid')) return null;
  return {
    table,
    app: appOf(table),
    model: modelName(table),
    naturalKey: table === 'lamindb_storage' ? 'root' : table === 'lamindb_ulabel' ? 'name' : 'uid',
    versioned: info.columnByName.has('is_latest'),
    hasKey: info.columnByName.has('key'),
    hasName: info.columnByName.has('name'),
    info,
  };
}

export function listRegistries(catalog: Catalog): Registry[] {
  const out: Registry[] = [];
  for (const table of [...catalog.tables.keys()].sort()) {
    if (appOf(table) === 'django') continue;
    const r = registryOf(catalog, table);
    if (r) out.push(r);
  }
  return out;
}

/** Finds a registry by model name (`Artifact`, `CellType`, `bionty.CellType`) or table name. */
export function findRegistry(catalog: Catalog, name: string): Registry | null {
  const wanted = name.toLowerCase();
  for (const r of listRegistries(catalog)) {
    if (
      r.table === wanted ||
      r.model.toLowerCase() === wanted ||
      `${r.app}.${r.model}`.toLowerCase() === wanted
    ) {
      return r;
    }
  }
  return null;
}

/**
 * Link tables whose rows make a registry's members travel with it: a collection's artifacts,
 * a schema's features and components and its module members (bionty genes, proteins, …).
 */
export interface MemberLink {
  table: string;
  /** Column pointing at the owner (the collection, the schema). */
  ownerColumn: string;
  /** Column pointing at the member. */
  memberColumn: string;
  memberTable: string;
}

const NOT_MEMBERS = new Set(['project', 'block', 'record', 'ulabel', 'user', 'reference']);

export function memberLinks(catalog: Catalog, ownerTable: string): MemberLink[] {
  const out: MemberLink[] = [];
  const ownerModel = modelPart(ownerTable);
  if (ownerTable === 'lamindb_collection') {
    out.push({
      table: 'lamindb_collectionartifact',
      ownerColumn: 'collection_id',
      memberColumn: 'artifact_id',
      memberTable: 'lamindb_artifact',
    });
  } else if (ownerTable === 'lamindb_schema') {
    out.push({
      table: 'lamindb_schemacomponent',
      ownerColumn: 'composite_id',
      memberColumn: 'component_id',
      memberTable: 'lamindb_schema',
    });
    for (const [table, info] of catalog.tables) {
      const model = modelPart(table);
      if (!model.startsWith(ownerModel) || model === ownerModel || info.columnByName.has('uid')) continue;
      const memberModel = model.slice(ownerModel.length);
      if (NOT_MEMBERS.has(memberModel)) continue;
      const ownerFk = info.foreignKeys.find((f) => f.refTable === ownerTable && f.column === 'schema_id');
      const memberFk = info.foreignKeys.find(
        (f) => f.column === `${memberModel}_id` && f.refTable !== ownerTable,
      );
      if (ownerFk && memberFk) {
        out.push({
          table,
          ownerColumn: ownerFk.column,
          memberColumn: memberFk.column,
          memberTable: memberFk.refTable,
        });
      }
    }
  }
  return out.filter((l) => catalog.tables.has(l.table));
}

/** LaminDB's order of label registries (its report and `describe` follow it); modules come after. */
const LABEL_ORDER = ['lamindb_ulabel', 'lamindb_record', 'lamindb_project', 'lamindb_reference', 'lamindb_user'];

/** Columns of link tables that are not the label: provenance and the feature. */
const NOT_LABEL_COLUMNS = new Set(['created_by_id', 'run_id', 'space_id', 'branch_id', 'created_on_id', 'feature_id']);

/** `bionty_celltype` → `celltype`. */
export function modelPart(table: string): string {
  return table.slice(appOf(table).length + 1);
}

/**
 * Label link tables of an owner registry, read from the schema: `<app>_<owner><label>` without a
 * uid, with a foreign key to the owner and one to a registry (ULabel, Record, Project, bionty's
 * CellType, …, any module's). Schema slots and feature values have their own handling.
 */
export function labelLinks(catalog: Catalog, ownerTable: string): MemberLink[] {
  const owner = modelPart(ownerTable);
  const ownerColumn = `${owner}_id`;
  const out: MemberLink[] = [];
  for (const [table, info] of catalog.tables) {
    if (info.columnByName.has('uid')) continue;
    const model = modelPart(table);
    if (!model.startsWith(owner) || model === owner) continue;
    if (!info.foreignKeys.some((f) => f.column === ownerColumn && f.refTable === ownerTable)) continue;
    const others = info.foreignKeys.filter((f) => f.column !== ownerColumn && !NOT_LABEL_COLUMNS.has(f.column));
    if (others.length !== 1) continue;
    const member = others[0]!;
    if (member.refTable === ownerTable || !registryOf(catalog, member.refTable)) continue;
    if (['lamindb_schema', 'lamindb_jsonvalue', 'lamindb_block'].includes(member.refTable)) continue;
    out.push({ table, ownerColumn, memberColumn: member.column, memberTable: member.refTable });
  }
  const rank = (t: string) => {
    const i = LABEL_ORDER.indexOf(t);
    return i < 0 ? LABEL_ORDER.length : i;
  };
  // Table names are ASCII: compared by code unit (no locale collation to load).
  return out.sort((a, b) => rank(a.memberTable) - rank(b.memberTable) || (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}

/** `<app>_<owner>schema` (artifact slots) and `<app>_<owner>jsonvalue` (feature values), when the owner has them. */
export function ownerLink(catalog: Catalog, ownerTable: string, memberTable: string): MemberLink | null {
  const owner = modelPart(ownerTable);
  const table = `${appOf(ownerTable)}_${owner}${modelPart(memberTable)}`;
  const info = catalog.tables.get(table);
  if (!info || info.columnByName.has('uid')) return null;
  const ownerFk = info.foreignKeys.find((f) => f.column === `${owner}_id` && f.refTable === ownerTable);
  const memberFk = info.foreignKeys.find((f) => f.refTable === memberTable);
  if (!ownerFk || !memberFk) return null;
  return { table, ownerColumn: ownerFk.column, memberColumn: memberFk.column, memberTable };
}
