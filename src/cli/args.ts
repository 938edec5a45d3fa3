import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LaminSyncError } from '../core/errors';

export type Options = ParseArgsConfig['options'];

/**
 * Parses one command's arguments; an unknown option or a missing value is a usage error: its
 * first sentence (`Unknown option '--frob'`), then the command's usage.
 */
export function parse<T extends NonNullable<Options>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
  } catch (e) {
    const first = (e as Error).message.split(/\.\s/)[0]!.replace(/\.$/, '');
    throw new LaminSyncError('INVALID_ARGUMENT', `${first}.\nusage: ${usage}`);
  }
}

export function intOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new LaminSyncError('INVALID_ARGUMENT', `--${name} takes a whole number.`);
  return n;
}

/** A comma-separated list option (`--modules bionty,wetlab`; the flag may repeat). */
export function listOption(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

/**
 * A repeatable option whose every value is one item as typed (`--key results/a,b.h5ad` is one
 * key: keys and uids are never split; repeat the flag for several). Empty values are dropped.
 */
export function repeatedOption(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map(String).filter((s) => s !== '');
}
