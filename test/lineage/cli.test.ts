import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli as run } from '../support/cli';
import { GUIDE_ARTIFACT } from '../../src/core/example/guide';
import { BOOT_ELEMENT_ID, type BootData } from '../../src/shared/protocol';
import { buildLineageBundle } from '../webview/browser';
import { makeFixture, type Fixture } from './fixtures';

describe('lamin-sync lineage', () => {
  let f: Fixture;
  let dir: string;
  before(async () => {
    f = await makeFixture('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'lamin-lineage-cli-'));
    const bundle = join(dir, 'lineage.js');
    writeFileSync(bundle, await buildLineageBundle());
    process.env.LAMIN_SYNC_LINEAGE_BUNDLE = bundle;
  });
  after(async () => {
    delete process.env.LAMIN_SYNC_LINEAGE_BUNDLE;
    await f?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('--json prints the graph', async () => {
    const r = await run(['lineage', f.targetLocator, '--key', GUIDE_ARTIFACT.key, '--json']);
    assert.equal(r.code, 0, r.err);
    const g = JSON.parse(r.out);
    assert.equal(g.root, `artifact:${GUIDE_ARTIFACT.uid}`);
    assert.equal(g.upstream, 2);
    assert.equal(g.downstream, 1);
    assert.ok(g.nodes.some((n: { kind: string }) => n.kind === 'instance'));
  });

  test('--depth sets both directions; text output without --json', async () => {
    const r = await run(['lineage', f.sourceLocator, '--uid', f.chain.model, '--depth', '4', '--json']);
    const g = JSON.parse(r.out);
    assert.equal(g.upstream, 4);
    assert.equal(g.downstream, 4);
    const t = await run(['lineage', f.sourceLocator, '--uid', f.chain.model]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /made artifact n\/model\.pt/);
    assert.match(t.out, /is input of run n\/train\.py/);
  });

  test('--html writes a standalone page: CSP with nonce, bundle inlined, graph embedded, nothing remote', async () => {
    const file = join(dir, 'lineage.html');
    const r = await run(['lineage', f.targetLocator, '--uid', GUIDE_ARTIFACT.uid, '--html', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote .*lineage\.html/);
    const html = readFileSync(file, 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce && nonce.length >= 16);
    assert.ok(!csp.includes('unsafe'), csp);
    assert.equal((html.match(/<script nonce="/g) ?? []).length, 1);
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.ok(!/\s(src|href)="https?:/.test(html), 'no remote resources');
    assert.ok(!html.includes('sourceMappingURL'), 'no source map to fetch');
    const boot = JSON.parse(new RegExp(`<script type="application/json" id="${BOOT_ELEMENT_ID}">(.*?)</script>`, 's').exec(html)![1]!) as BootData;
    assert.equal(boot.mode, 'standalone');
    assert.equal(boot.title, `Lineage: ${GUIDE_ARTIFACT.key}`);
    assert.equal(boot.graph?.root, `artifact:${GUIDE_ARTIFACT.uid}`);
  });

  test('usage errors', async () => {
    assert.equal((await run(['lineage', f.sourceLocator])).code, 2);
    assert.equal((await run(['lineage', f.sourceLocator, '--uid', 'x', '--json', '--html', 'f.html'])).code, 2);
    assert.equal((await run(['lineage', f.sourceLocator, '--uid', 'x', '--depth', '-1'])).code, 2);
    const missing = await run(['lineage', f.sourceLocator, '--uid', 'doesnotexist00000000']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /No artifact, collection, run or transform with uid 'doesnotexist00000000'/);
  });
});
