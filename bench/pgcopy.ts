// COPY over the pg client's own protocol handling (no pg-copy-streams): a minimal "submittable"
// that pg's Client drives like a Query. `copyOut` collects `COPY … TO STDOUT`, `copyIn` feeds
// `COPY … FROM STDIN` one buffer.
import type pg from 'pg';

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(msg: string): void;
}

class CopySubmittable {
  readonly chunks: Buffer[] = [];
  rowCount = 0;
  private error: Error | null = null;
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (e: Error) => void;
  callback?: unknown;

  constructor(
    private readonly text: string,
    private readonly input: Buffer | null,
  ) {
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: Connection): void {
    if (!this.input) {
      connection.sendCopyFail('no input');
      return;
    }
    if (this.input.length > 0) connection.sendCopyFromChunk(this.input);
    connection.endCopyFrom();
  }
  handleCopyData(msg: { chunk: Buffer }): void {
    // The parser reuses its buffer: keep a copy.
    this.chunks.push(Buffer.from(msg.chunk));
  }
  handleCommandComplete(msg: { text?: string }): void {
    const m = /(\d+)$/.exec(msg.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }
  handleReadyForQuery(): void {
    if (this.error) this.reject(this.error);
    else this.resolve();
  }
  handleError(err: Error): void {
    // pg drops the active query on an error; ReadyForQuery then does not reach us.
    this.error = err;
    this.reject(err);
  }
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}

/** Runs `COPY (…) TO STDOUT` and returns the text-format bytes. */
export async function copyOut(client: pg.Client, text: string): Promise<Buffer> {
  const s = new CopySubmittable(text, null);
  client.query(s as unknown as pg.QueryConfig);
  await s.done;
  return Buffer.concat(s.chunks);
}

/** Runs `COPY … FROM STDIN` with `data` (text format); returns the rows copied. */
export async function copyIn(client: pg.Client, text: string, data: Buffer): Promise<number> {
  const s = new CopySubmittable(text, data);
  client.query(s as unknown as pg.QueryConfig);
  await s.done;
  return s.rowCount;
}

/** A value in COPY's text format. */
export function copyText(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (Buffer.isBuffer(v)) return '\\\\x' + v.toString('hex');
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
