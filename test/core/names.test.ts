// Names users read: LaminDB's model class names, link tables by what they link, row labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordLabel } from '../../src/core/query/labels';
import { registriesWithCounts } from '../../src/core/query/records';
import { modelName, tableDisplayName } from '../../src/core/schema/registries';
import { makeInstance, withInstances } from '../support/instances';

describe('names', () => {
  it("uses LaminDB's model class names, and names link tables by what they link", () => {
    assert.equal(modelName('lamindb_schemafeature'), 'SchemaFeature');
    assert.equal(modelName('lamindb_artifactblock'), 'ArtifactBlock');
    assert.equal(modelName('lamindb_ulabelblock'), 'ULabelBlock');
    assert.equal(modelName('lamindb_artifactulabel'), 'ArtifactULabel');
    assert.equal(modelName('bionty_artifactcelltype'), 'ArtifactCellType');
    assert.equal(modelName('lamindb_project_parents'), 'Project_parents');
    assert.equal(tableDisplayName('lamindb_artifactulabel'), 'Artifact–ULabel links');
    assert.equal(tableDisplayName('lamindb_schemafeature'), 'Schema–Feature links');
    assert.equal(tableDisplayName('bionty_artifactcelltype'), 'Artifact–bionty.CellType links');
    assert.equal(tableDisplayName('bionty_schemagene'), 'Schema–bionty.Gene links');
    assert.equal(tableDisplayName('lamindb_project_parents'), 'Project.parents links');
    assert.equal(tableDisplayName('lamindb_artifact__actions'), 'Artifact.actions links');
    assert.equal(tableDisplayName('lamindb_artifact', true), 'Artifact');
    assert.equal(tableDisplayName('bionty_celltype', true), 'bionty.CellType');
  });

  it('labels rows without key or name: run by transform and start, storage root, user handle, schema itype and members', () => {
    const transforms = new Map([[7, { key: 'create-mini-immuno.ipynb', uid: 'NJvdsWWbJlZS0000' }]]);
    assert.equal(
      recordLabel('lamindb_run', { uid: 'r1', name: null, transform_id: 7, started_at: '2025-06-01 10:11:12.345678+00:00' }, transforms),
      'create-mini-immuno.ipynb · 2025-06-01 10:11:12',
    );
    assert.equal(recordLabel('lamindb_storage', { uid: 's1', root: 's3://lamindata' }), 's3://lamindata');
    assert.equal(recordLabel('lamindb_user', { uid: 'u1', handle: 'testuser1', name: null }), 'testuser1');
    assert.equal(recordLabel('lamindb_schema', { uid: 'x', name: null, itype: 'bionty.Gene', n_members: 3 }), 'bionty.Gene · 3 members');
    assert.equal(recordLabel('lamindb_schema', { uid: 'x', name: 'obs', itype: 'Feature', n_members: 8 }), 'obs');
    assert.equal(recordLabel('lamindb_artifact', { uid: 'a', key: 'k.h5ad' }), 'k.h5ad');
    assert.equal(recordLabel('lamindb_artifact', { uid: 'a', key: null, description: null }), 'a');
  });

  it("lists LaminDB's own registries before the modules'", async () => {
    const loc = await makeInstance('sqlite', { name: 'names', via: 'init' });
    await withInstances([[loc, true]], async (i) => {
      const apps = (await registriesWithCounts(i)).map((r) => r.app);
      assert.ok(apps.includes('bionty'));
      assert.equal(apps.lastIndexOf('lamindb'), apps.filter((a) => a === 'lamindb').length - 1, apps.join(','));
    });
  });
});

describe('copy as Python', () => {
  it("gets a record in LaminDB's current instance, or through ln.DB in another", async () => {
    const { pythonGet } = await import('../../src/core/query/python');
    assert.equal(pythonGet({ app: 'lamindb', model: 'Artifact', uid: '9K1dteZ6Qx0EXK8g0000', slug: 'laminlabs/lamindata', current: true }), 'ln.Artifact.get("9K1dteZ6Qx0EXK8g0000")');
    assert.equal(pythonGet({ app: 'bionty', model: 'CellType', uid: 'ryEtgi1yGtAcX2', slug: 'a/b', current: true }), 'bt.CellType.get("ryEtgi1yGtAcX2")');
    assert.equal(pythonGet({ app: 'lamindb', model: 'ULabel', uid: 'u1', slug: 'laminlabs/lamindata', current: false }), 'ln.DB("laminlabs/lamindata").ULabel.get("u1")');
    assert.equal(pythonGet({ app: 'bionty', model: 'Gene', uid: 'g1', slug: 'a/b', current: false }), 'ln.DB("a/b").bionty.Gene.get("g1")');
  });
});
