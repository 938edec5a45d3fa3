import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LaminSyncError } from '../core/errors';
import { openInstance } from '../core/instance/open';
import { lineageGraph } from '../core/lineage';
import { standaloneLineageHtml } from '../core/lineage/page';
import type { LineageGraph } from '../core/lineage/types';
import { intOption, parse } from './args';

export type Out = (line: string) => void;

export const LINEAGE_USAGE =
  'lamin-sync lineage INSTANCE (--uid U | --key K) [--depth N | --upstream N --downstream N] [--json | --html FILE]';

/** Where the webview bundle is: `$LAMIN_SYNC_LINEAGE_BUNDLE`, next to the built CLI, or in dist/ of the checkout. */
export function findLineageBundle(): string {
  const candidates = [
    process.env.LAMIN_SYNC_LINEAGE_BUNDLE,
    join(__dirname, 'webview', 'lineage.js'),
    resolve(__dirname, '..', '..', 'dist', 'webview', 'lineage.js'),
    resolve(__dirname, '..', 'dist', 'webview', 'lineage.js'),
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new LaminSyncError('NOT_FOUND', `The lineage webview bundle is missing (looked in ${candidates.join(', ')}); run \`npm run build\`.`);
  }
  return found;
}

/** Plain text: the graph by hop, upstream first. */
export function formatLineage(g: LineageGraph): string[] {
  const lines = [`${g.instance.slug}: lineage of ${g.root} (upstream ${g.upstream}, downstream ${g.downstream})`];
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const name = (id: string) => {
    const n = byId.get(id);
    return n ? `${n.kind} ${n.label} [${n.uid}]` : id;
  };
  const verbs: Record<string, string> = {
    input: 'is input of',
    output: 'made',
    transform: 'is the transform of',
    initiated_by: 'initiated',
    origin: 'is the origin of',
  };
  for (const e of g.edges) lines.push(`  ${name(e.source)} ${verbs[e.kind] ?? e.kind} ${name(e.target)}`);
  if (g.edges.length === 0) lines.push(`  ${name(g.root)}: no lineage recorded`);
  if (g.truncated) lines.push('  (truncated: node limit reached)');
  return lines;
}

export async function lineageCommand(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parse(
    args,
    {
      uid: { type: 'string' },
      key: { type: 'string' },
      depth: { type: 'string' },
      upstream: { type: 'string' },
      downstream: { type: 'string' },
      json: { type: 'boolean' },
      html: { type: 'string' },
    },
    LINEAGE_USAGE,
  );
  if (positionals.length !== 1 || (!values.uid && !values.key) || (values.uid && values.key)) {
    throw new LaminSyncError('INVALID_ARGUMENT', `usage: ${LINEAGE_USAGE}`);
  }
  if (values.json && values.html) throw new LaminSyncError('INVALID_ARGUMENT', `--json and --html exclude each other.\nusage: ${LINEAGE_USAGE}`);
  const depth = intOption(values.depth, 'depth');
  const upstream = intOption(values.upstream, 'upstream') ?? depth;
  const downstream = intOption(values.downstream, 'downstream') ?? depth;
  // Find the bundle before touching the database: a missing build fails fast.
  const bundle = values.html ? readFileSync(findLineageBundle(), 'utf8') : null;
  const instance = await openInstance(positionals[0]!, { readOnly: true });
  let graph: LineageGraph;
  try {
    graph = await lineageGraph(instance, values.uid ? { uid: values.uid } : { key: values.key! }, {
      ...(upstream !== undefined ? { upstream } : {}),
      ...(downstream !== undefined ? { downstream } : {}),
    });
  } finally {
    await instance.close();
  }
  if (values.json) {
    out(JSON.stringify(graph, null, 2));
  } else if (values.html && bundle !== null) {
    writeFileSync(values.html, standaloneLineageHtml(graph, bundle));
    out(`→ wrote ${values.html}: ${graph.nodes.length} nodes, ${graph.edges.length} edges (open it in a browser)`);
  } else {
    for (const line of formatLineage(graph)) out(line);
  }
}
