import { LaminSyncError } from '../core/errors';
import { openInstance } from '../core/instance/open';
import { describeArtifact, type ArtifactDescription, type FeatureLine } from '../core/query/describe';
import { parse } from './args';
import type { Out } from './commands';

export const DESCRIBE_USAGE = 'lamin-sync describe INSTANCE (--uid U | --key K) [--json]';

/** A column `width` wide: the text, cut with … where it does not fit, and one space after it. */
function fit(text: string, width: number): string {
  return (text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text).padEnd(width);
}

function values(v: string[]): string {
  const shown = v.slice(0, 10).join(', ');
  return v.length > 10 ? `${shown}, ...` : shown;
}

function featureRow(prefix: string, f: FeatureLine): string {
  return `${prefix}${fit(f.name, 30)}${fit(f.dtype, 35)}${fit(values(f.values), 40)}`.trimEnd();
}

/** The tree LaminDB's `describe()` prints. */
export function renderDescription(d: ArtifactDescription): string[] {
  const lines = [`Artifact: ${d.key ?? ''} (${d.version})`];
  if (d.description) lines.push(`|   description: ${d.description}`);
  const pairs: string[] = [];
  for (let i = 0; i < d.general.length; i += 2) {
    const a = d.general[i]!;
    const b = d.general[i + 1];
    pairs.push(`${fit(`${a.label}: ${a.value}`, 42)}${b ? `${b.label}: ${b.value}` : ''}`.trimEnd());
  }
  lines.push(`├── ${pairs[0] ?? ''}`, ...pairs.slice(1).map((p) => `│   ${p}`));
  if (d.storagePath) lines.push(`├── storage/path: ${d.storagePath}`);
  const sections: Array<[string, string[]]> = [];
  if (d.datasetFeatures.length > 0) {
    const body: string[] = [];
    d.datasetFeatures.forEach((slot, i) => {
      const last = i === d.datasetFeatures.length - 1;
      body.push(`${last ? '└── ' : '├── '}${slot.slot} (${slot.members}${slot.itype ? ` ${slot.itype}` : ''})`);
      for (const f of slot.features) body.push(featureRow(last ? '    ' : '│   ', f));
    });
    sections.push(['Dataset features', body]);
  }
  if (d.externalFeatures.length > 0) {
    sections.push([
      d.datasetFeatures.length > 0 ? 'External features' : 'Features',
      d.externalFeatures.map((f, i) => featureRow(i === 0 ? '└── ' : '    ', f)),
    ]);
  }
  if (d.labels.length > 0) {
    sections.push([
      'Labels',
      d.labels.map((l, i) => `${i === 0 ? '└── ' : '    '}${fit(l.relatedName, 26)}${fit(l.registry, 35)}${fit(values(l.values), 40)}`.trimEnd()),
    ]);
  }
  sections.forEach(([title, body], i) => {
    const last = i === sections.length - 1;
    lines.push(`${last ? '└── ' : '├── '}${title}`);
    for (const b of body) lines.push(`${last ? '    ' : '│   '}${b}`);
  });
  return lines;
}

export async function describeCommand(args: string[], out: Out): Promise<void> {
  const { values: v, positionals } = parse(args, { uid: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } }, DESCRIBE_USAGE);
  if (positionals.length !== 1 || (!v.uid && !v.key)) throw new LaminSyncError('INVALID_ARGUMENT', `usage: ${DESCRIBE_USAGE}`);
  const instance = await openInstance(positionals[0]!, { readOnly: true });
  try {
    const d = await describeArtifact(instance, { ...(v.uid ? { uid: v.uid } : {}), ...(v.key ? { key: v.key } : {}) });
    if (v.json) out(JSON.stringify(d, null, 2));
    else for (const line of renderDescription(d)) out(line);
  } finally {
    await instance.close();
  }
}
