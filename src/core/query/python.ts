/**
 * The Python line that gets a record with lamindb: `ln.Artifact.get("…")` in LaminDB's current
 * instance (`bt.CellType.get("…")` for bionty), else through `ln.DB("owner/name")`, which reads
 * another instance (`ln.DB("owner/name").bionty.CellType.get("…")`).
 */
export function pythonGet(opts: { app: string; model: string; uid: string; slug: string; current: boolean }): string {
  const uid = JSON.stringify(opts.uid);
  if (opts.current) {
    const module = opts.app === 'lamindb' ? 'ln' : opts.app === 'bionty' ? 'bt' : opts.app;
    return `${module}.${opts.model}.get(${uid})`;
  }
  const namespace = opts.app === 'lamindb' ? '' : `${opts.app}.`;
  return `ln.DB(${JSON.stringify(opts.slug)}).${namespace}${opts.model}.get(${uid})`;
}
