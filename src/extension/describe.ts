import { renderDescription as renderArtifact } from '../cli/describe';
import type { Instance } from '../core/instance/types';
import { describeArtifact } from '../core/query/describe';
import type { Registry } from '../core/schema/registries';
import { humanSize, registryDisplayName } from './nodes';

function show(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * The text of "Describe": for an artifact, LaminDB's `describe()` tree (the core's description,
 * printed as the CLI prints it); for other records, their fields.
 */
export async function renderDescription(instance: Instance, registry: Registry, record: Record<string, unknown>): Promise<string> {
  if (registry.table === 'lamindb_artifact') {
    const d = await describeArtifact(instance, { uid: String(record.uid) });
    return [`instance: ${instance.identity.slug} (${instance.dialect}) — ${instance.location}`, '', ...renderArtifact(d)].join('\n') + '\n';
  }
  const name = registryDisplayName(registry.app, registry.model);
  const lines: string[] = [];
  const title = record.key ?? record.name ?? record.uid;
  lines.push(`${name}: ${String(title)}`);
  lines.push(`instance: ${instance.identity.slug} (${instance.dialect}) — ${instance.location}`);
  lines.push('');
  lines.push('General');
  const general = ['uid', 'key', 'name', 'description', 'suffix', 'kind', 'otype', 'size', 'hash', 'n_files', 'n_observations', 'version_tag', 'is_latest', 'created_at', 'updated_at'];
  for (const c of general) {
    if (!(c in record) || record[c] === null || record[c] === undefined) continue;
    const v = c === 'size' ? `${show(record[c])} (${humanSize(Number(record[c]))})` : show(record[c]);
    lines.push(`  .${c} = ${v}`);
  }
  lines.push('');
  lines.push('Fields');
  for (const [k, v] of Object.entries(record)) {
    if (general.includes(k) || k.startsWith('_')) continue;
    lines.push(`  .${k} = ${show(v)}`);
  }
  return lines.join('\n') + '\n';
}
