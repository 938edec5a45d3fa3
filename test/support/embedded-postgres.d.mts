export interface EmbeddedPostgresServer {
  /** postgresql://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  /** Stop the server and remove its data folder (idempotent). */
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function startEmbeddedPostgres(options?: { log?: (message: string) => void }): Promise<EmbeddedPostgresServer>;
