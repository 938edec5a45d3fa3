// The line after LaminDB's report: what the sync wrote, per registry and per link table, always.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWritten, NOTHING_WRITTEN } from '../../src/core/sync/report';
import { makeInstance, withInstances } from '../support/instances';

describe('formatWritten', () => {
  it('names records by registry, link rows by what they link, feature values, demoted versions; or nothing written', async () => {
    const loc = await makeInstance('sqlite', { name: 'report-written', via: 'init' });
    await withInstances([[loc, true]], async (t) => {
      const line = (written: Record<string, number>, demoted: Record<string, number> = {}) => formatWritten({ written, demoted }, t.catalog);
      assert.equal(line({}), NOTHING_WRITTEN);
      assert.equal(line({ lamindb_run: 0 }), NOTHING_WRITTEN);
      assert.equal(line({ lamindb_artifactulabel: 1 }), '→ written: 1 link row (Artifact–ULabel links)');
      // A re-pointed slot is an updated row, apart from the rows written.
      assert.equal(
        formatWritten({ written: { lamindb_run: 2 }, updated: { lamindb_artifactschema: 1 }, demoted: {} }, t.catalog),
        '→ written: 2 Run, 1 slot re-pointed (Artifact–Schema links)',
      );
      assert.equal(
        line(
          { lamindb_transform: 1, lamindb_run: 2, lamindb_artifact: 3, bionty_celltype: 2, lamindb_jsonvalue: 2, lamindb_artifactulabel: 4, bionty_artifactcelltype: 2 },
          { lamindb_artifact: 1 },
        ),
        '→ written: 1 Transform, 2 Run, 3 Artifact, 2 CellType, 2 feature values, ' +
          '6 link rows (Artifact–ULabel links × 4, Artifact–bionty.CellType links × 2), is_latest cleared on 1 older Artifact version',
      );
    });
  });
});
