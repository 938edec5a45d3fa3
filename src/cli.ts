import { isLaminSyncError } from './core/errors';
import {
  INIT_USAGE,
  LS_USAGE,
  SHOW_USAGE,
  SYNC_USAGE,
  initCommand,
  instancesCommand,
  lsCommand,
  showCommand,
  syncCommand,
  type Out,
} from './cli/commands';
import { demoCommand } from './cli/demo';
import { DESCRIBE_USAGE, describeCommand } from './cli/describe';
import { LINEAGE_USAGE, lineageCommand } from './cli/lineage';

const HELP = `lamin-sync — sync objects between LaminDB instances (zero-copy, idempotent, with lineage)

An INSTANCE is a lamin.db file, a storage root holding .lamindb/lamin.db, a postgresql:// URL,
or an owner/name slug from LaminDB's settings (~/.lamin, or $LAMIN_SETTINGS_DIR/.lamin).

  ${SYNC_USAGE}
  ${LS_USAGE}
  ${SHOW_USAGE}
  ${DESCRIBE_USAGE}
  ${LINEAGE_USAGE}
  lamin-sync instances [--json]
  ${INIT_USAGE}
  lamin-sync demo [--dir DIR]
`;

const COMMANDS: Record<string, (args: string[], out: Out) => Promise<void>> = {
  sync: syncCommand,
  ls: lsCommand,
  show: showCommand,
  describe: describeCommand,
  lineage: lineageCommand,
  instances: instancesCommand,
  init: initCommand,
  demo: demoCommand,
};

export async function main(argv: string[], out: Out = (l) => console.log(l), err: Out = (l) => console.error(l)): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(HELP);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    err(`lamin-sync: unknown command '${command}'\n\n${HELP}`);
    return 2;
  }
  try {
    await run(rest, out);
    return 0;
  } catch (e) {
    if (isLaminSyncError(e)) {
      err(`error: ${e.message}`);
      return e.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    err(`lamin-sync: unexpected error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
