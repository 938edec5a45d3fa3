import type { Instance } from '../instance/types';
import { insertRecords } from './insert';

/** The example artifact of LaminDB's sync guide (`laminlabs/lamindata`). */
export const GUIDE_ARTIFACT = {
  uid: '9K1dteZ6Qx0EXK8g0000',
  key: 'example_datasets/mini_immuno/dataset1.h5ad',
};
export const GUIDE_SOURCE = { owner: 'laminlabs', name: 'lamindata', instanceUid: '4XIuR0tvaiXM' };
export const GUIDE_STORAGE = { uid: 'D9BilDV2', root: 's3://lamindata' };

const T = '2025-07-29 12:27:25.000000';

/**
 * Writes the guide's example into a source instance: the artifact on an S3 storage, the run
 * and notebook that made it, its schemas (obs: 8 features; var.T: 3 genes), labels (ULabels,
 * a typed Record, a Project, bionty CellTypes, an ExperimentalFactor) linked through features,
 * and the bionty Organism and Sources these point at. Returns the artifact's id.
 */
export async function seedGuideExample(db: Instance): Promise<number> {
  const ins = (table: string, rows: Record<string, unknown>[]) => insertRecords(db, table, rows);
  const [storageId] = await ins('lamindb_storage', [
    { uid: GUIDE_STORAGE.uid, root: GUIDE_STORAGE.root, type: 's3', region: 'us-east-1', instance_uid: GUIDE_SOURCE.instanceUid, created_at: T },
  ]);
  const [transformId] = await ins('lamindb_transform', [
    { uid: 'NJvdsWWbJlZS0000', key: 'create-mini-immuno.ipynb', description: 'Create the mini immuno datasets', kind: 'notebook', created_at: T },
  ]);
  const [runId] = await ins('lamindb_run', [
    { uid: 'wNXyiNV2DrUmjTGZ', transform_id: transformId, started_at: T, finished_at: T, _status_code: 0, created_at: T },
  ]);
  // Sources and the organism the genes point at.
  const [srcGene, srcCell, srcEfo, srcOrg] = await ins('bionty_source', [
    { uid: '4BENqfHn', entity: 'bionty.Gene', organism: 'human', name: 'ensembl', version: 'release-112', in_db: false, currently_used: true, run_id: runId },
    { uid: '3bbUTSyt', entity: 'bionty.CellType', organism: 'all', name: 'cl', version: '2024-08-16', in_db: false, currently_used: true, run_id: runId },
    { uid: '2jQ8fzvt', entity: 'bionty.ExperimentalFactor', organism: 'all', name: 'efo', version: '3.70.0', in_db: false, currently_used: true, run_id: runId },
    { uid: '404rkf5M', entity: 'bionty.Organism', organism: 'vertebrates', name: 'ensembl', version: 'release-112', in_db: false, currently_used: true, run_id: runId },
  ]);
  const [human] = await ins('bionty_organism', [
    { uid: '1dpCL6TduFJ3AP', name: 'human', ontology_id: 'NCBITaxon:9606', scientific_name: 'homo_sapiens', source_id: srcOrg, run_id: runId },
  ]);
  const genes = await ins('bionty_gene', [
    { uid: '1j4At3x7akJU8n', symbol: 'CD8A', ensembl_gene_id: 'ENSG00000153563', organism_id: human, source_id: srcGene, run_id: runId },
    { uid: '6Aqvc8ckDYeNrD', symbol: 'CD4', ensembl_gene_id: 'ENSG00000010610', organism_id: human, source_id: srcGene, run_id: runId },
    { uid: '3bhNYquOnA4sdo', symbol: 'CD14', ensembl_gene_id: 'ENSG00000170458', organism_id: human, source_id: srcGene, run_id: runId },
  ]);
  const cellTypes = await ins('bionty_celltype', [
    { uid: 'ryEtgi1yGtAcX2', name: 'B cell', ontology_id: 'CL:0000236', source_id: srcCell, run_id: runId },
    { uid: '22LvKd01YyNA1a', name: 'T cell', ontology_id: 'CL:0000084', source_id: srcCell, run_id: runId },
    { uid: '6IC9NGJEv2Y4TD', name: 'CD8-positive, alpha-beta T cell', ontology_id: 'CL:0000625', source_id: srcCell, run_id: runId },
  ]);
  const [efo] = await ins('bionty_experimentalfactor', [
    { uid: '4WYv9kl0W2SroY', name: 'single-cell RNA sequencing', ontology_id: 'EFO:0008913', source_id: srcEfo, run_id: runId },
  ]);
  // Features.
  const featureRows: Array<[string, string, string]> = [
    ['LIrjN9FbaLR1', 'perturbation', 'cat[ULabel]'],
    ['xFdXre6ZPLlK', 'sample_note', 'str'],
    ['fJnNc4pzxe9c', 'cell_type_by_expert', 'cat[bionty.CellType]'],
    ['7xDpJZiVLRl3', 'cell_type_by_model', 'cat[bionty.CellType]'],
    ['BaPfsAPgDFrT', 'assay_oid', 'cat[bionty.ExperimentalFactor.ontology_id]'],
    ['DLeKfqUbrUsg', 'concentration', 'str'],
    ['zvyDVbZln36o', 'treatment_time_h', 'num'],
    ['Q8edF7CSgjG2', 'donor', 'str'],
    ['4ycwa8er0EB2', 'experiment', 'cat[Record[scRNA-seq]]'],
    ['pNaJLQh8fRA6', 'experiment_ulabel', 'cat[ULabel]'],
    ['Tk3NoteFeat0', 'study_note', 'str'],
    ['TempFeature1', 'temperature', 'float'],
  ];
  const features = await ins(
    'lamindb_feature',
    featureRows.map(([uid, name, dtype]) => ({ uid, name, _dtype_str: dtype, run_id: runId, created_at: T })),
  );
  const f = (name: string) => features[featureRows.findIndex((r) => r[1] === name)]!;
  // Schemas: the artifact's own (no members), the obs schema (8 features), the var.T schema (3 genes).
  const [schemaDefault, schemaObs, schemaVar] = await ins('lamindb_schema', [
    { uid: '0000000000000002', name: 'valid_features', itype: 'Feature', n_members: null, run_id: runId, created_at: T },
    { uid: 'JfgNiPmWNLZz4YRh', itype: 'Feature', n_members: 8, hash: 'ZNFZ7gYy2x5cIbSpCjPnpA', run_id: runId, created_at: T },
    { uid: 'b0gbYYAu3F2VxcEZ', itype: 'bionty.Gene.ensembl_gene_id', n_members: 3, _dtype_str: 'num', hash: 'G_0p7zRzA2i7I9J2j0i8Lw', run_id: runId, created_at: T },
  ]);
  await ins(
    'lamindb_schemafeature',
    featureRows.slice(0, 8).map((_, i) => ({ schema_id: schemaObs, feature_id: features[i] })),
  );
  await ins('bionty_schemagene', genes.map((g) => ({ schema_id: schemaVar, gene_id: g })));
  // The ULabels, the Record with its type, the Project.
  const ulabels = await ins('lamindb_ulabel', [
    { uid: 'vmjLLqYy', name: 'DMSO', run_id: runId, created_at: T },
    { uid: 'YAhFIvh5', name: 'IFNG', run_id: runId, created_at: T },
    { uid: 'Yis4YLIB', name: 'Experiment 1', run_id: runId, created_at: T },
  ]);
  const [recordType] = await ins('lamindb_record', [
    { uid: 'ZRP07Y49Ni3Ne0Ae', name: 'scRNA-seq', is_type: true, run_id: runId, created_at: T },
  ]);
  const [record] = await ins('lamindb_record', [
    { uid: '6pjoBrrz4f1EzQMO', name: 'EXP-scRNA-002', type_id: recordType, run_id: runId, created_at: T },
  ]);
  const [project] = await ins('lamindb_project', [{ uid: 'BZF49Wr2yZAC', name: 'Tutorials', run_id: runId, created_at: T }]);
  // The artifact.
  const [artifactId] = await ins('lamindb_artifact', [
    {
      uid: GUIDE_ARTIFACT.uid,
      key: GUIDE_ARTIFACT.key,
      description: 'Flow cytometry readouts on invitro cell culture',
      suffix: '.h5ad',
      kind: 'dataset',
      otype: 'AnnData',
      size: 31672,
      hash: 'FB3CeMjmg1ivN6HDy6wsSg',
      n_observations: 3,
      _key_is_virtual: true,
      storage_id: storageId,
      schema_id: schemaDefault,
      run_id: runId,
      created_at: T,
      updated_at: T,
    },
  ]);
  await ins('lamindb_artifactschema', [
    { artifact_id: artifactId, schema_id: schemaObs, slot: 'obs' },
    { artifact_id: artifactId, schema_id: schemaVar, slot: 'var.T' },
  ]);
  await ins('lamindb_artifactulabel', [
    { artifact_id: artifactId, ulabel_id: ulabels[0], feature_id: f('perturbation') },
    { artifact_id: artifactId, ulabel_id: ulabels[1], feature_id: f('perturbation') },
    { artifact_id: artifactId, ulabel_id: ulabels[2], feature_id: f('experiment_ulabel') },
  ]);
  await ins('lamindb_artifactrecord', [{ artifact_id: artifactId, record_id: record, feature_id: f('experiment') }]);
  await ins('lamindb_artifactproject', [{ artifact_id: artifactId, project_id: project }]);
  // Feature values (external features without a registry).
  const values = await ins('lamindb_jsonvalue', [
    { feature_id: f('study_note'), value: '"pilot study"', hash: 'cGlsb3Qgc3R1ZHkAAAAAAA', run_id: runId },
    { feature_id: f('temperature'), value: '21.5', hash: 'MjEuNQAAAAAAAAAAAAAAAA', run_id: runId },
  ]);
  await ins('lamindb_artifactjsonvalue', values.map((v) => ({ artifact_id: artifactId, jsonvalue_id: v })));
  await ins('bionty_artifactcelltype', [
    { artifact_id: artifactId, celltype_id: cellTypes[0], feature_id: f('cell_type_by_model') },
    { artifact_id: artifactId, celltype_id: cellTypes[1], feature_id: f('cell_type_by_model') },
    { artifact_id: artifactId, celltype_id: cellTypes[2], feature_id: f('cell_type_by_expert') },
  ]);
  await ins('bionty_artifactexperimentalfactor', [
    { artifact_id: artifactId, experimentalfactor_id: efo, feature_id: f('assay_oid') },
  ]);
  return artifactId!;
}
