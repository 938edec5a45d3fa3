import { version } from '../package.json';
import { isLaminSyncError } from './core/errors';
import { redactLocation } from './core/instance/redact';
import {
  INIT_USAGE,
  INSTANCES_USAGE,
  LS_USAGE,
  RECOVER_USAGE,
  SHOW_USAGE,
  SYNC_USAGE,
  initCommand,
  instancesCommand,
  lsCommand,
  recoverCommand,
  showCommand,
  syncCommand,
  type Out,
} from './cli/commands';
import { DEMO_USAGE, demoCommand } from './cli/demo';
import { DESCRIBE_USAGE, describeCommand } from './cli/describe';
import { LINEAGE_USAGE, lineageCommand } from './cli/lineage';
import { exitCodeFor, receivedSignal } from './cli/signals';

const INSTANCE_HELP = `An INSTANCE is a lamin.db file, a storage root holding .lamindb/lamin.db, a postgresql:// URL,
or an owner/name slug from LaminDB's settings (~/.lamin, or $LAMIN_SETTINGS_DIR/.lamin).`;

interface Command {
  run: (args: string[], out: Out) => Promise<void>;
  usage: string;
  /** What `lamin-sync COMMAND --help` prints under the usage. */
  help: string;
}

const COMMANDS: Record<string, Command> = {
  sync: {
    run: syncCommand,
    usage: SYNC_USAGE,
    help: `Copies objects from SOURCE into TARGET (default: LaminDB's current instance, as \`lamin\` uses it):
zero-copy, idempotent (an object whose uid TARGET holds is mapped), with lineage, in one transaction.
  --uid U, --key K     the objects (repeat the flag for several); --registry R narrows them
  --all [--filter T]   every object of --registry R (matching T)
  --annotations        with features, schemas, labels and feature values
  --dry-run            print the plan, write nothing
  --json               the report as JSON
  --initiated-by-run UID   a run of TARGET that started the sync (default: a run of lamin-sync)`,
  },
  ls: { run: lsCommand, usage: LS_USAGE, help: 'Lists the registries with their counts, or the records of REGISTRY (newest first).' },
  show: { run: showCommand, usage: SHOW_USAGE, help: 'Prints one record.' },
  describe: { run: describeCommand, usage: DESCRIBE_USAGE, help: "Prints an artifact's annotations as LaminDB's describe() does." },
  lineage: { run: lineageCommand, usage: LINEAGE_USAGE, help: "An object's lineage graph, as JSON or as a standalone HTML page." },
  instances: { run: instancesCommand, usage: INSTANCES_USAGE, help: "Lists the instances in LaminDB's settings (* = the current one)." },
  init: {
    run: initCommand,
    usage: INIT_USAGE,
    help: `Creates an empty instance as \`lamin init\` does, registers it in LaminDB's settings
(~/.lamin/instance--OWNER--NAME.env) and makes it the current instance.`,
  },
  recover: {
    run: recoverCommand,
    usage: RECOVER_USAGE,
    help: `Rolls back the interrupted write a killed or crashed writer left in a SQLite file (its hot journal;
a WAL file's log is checkpointed), which read-only commands cannot do, then checks the file.`,
  },
  demo: { run: demoCommand, usage: DEMO_USAGE, help: "Builds two SQLite instances (default: ./demo-instances) and runs the sync guide's flow." },
};

const HELP = `lamin-sync ${version} — sync objects between LaminDB instances (zero-copy, idempotent, with lineage)

${INSTANCE_HELP}

${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}`)
  .join('\n')}

  lamin-sync COMMAND --help     a command's options
  lamin-sync --version
  --debug                       with an error, also print its stack trace
`;

function commandHelp(c: Command): string {
  return `usage: ${c.usage}\n\n${c.help}\n\n${INSTANCE_HELP}`;
}

/** `--help` / `-h` among a command's options (not after `--`, and not as an option's value). */
function asksForHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** Where the error comes from, for --debug: its stack and those of its causes. */
function stacks(e: unknown): string {
  const out: string[] = [];
  for (let c: unknown = e; c !== undefined && out.length < 5; c = (c as { cause?: unknown }).cause) {
    out.push(c instanceof Error ? (c.stack ?? String(c)) : String(c));
    if (!(c instanceof Error)) break;
  }
  return out.join('\ncaused by: ');
}

/** One line for an error that is not lamin-sync's own (a bug, or a failure it did not foresee). */
export function internalErrorLine(e: unknown): string {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim() || (e as Error)?.name || 'unknown error';
  return `error: ${message} (run with --debug for details)`;
}

export async function main(argv: string[], print: Out = (l) => console.log(l), printErr: Out = (l) => console.error(l)): Promise<number> {
  // Everything the CLI prints passes the one redaction: no password reaches the terminal.
  const out: Out = (l) => print(redactLocation(l));
  const err: Out = (l) => printErr(redactLocation(l));
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const debug = argv.slice(0, end).includes('--debug');
  const args = [...argv.slice(0, end).filter((a) => a !== '--debug'), ...argv.slice(end)];
  const [command, ...rest] = args;
  if (command === '--version' || command === '-V') {
    out(`lamin-sync ${version}`);
    return 0;
  }
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    const named = command === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
    out(named ? commandHelp(named) : HELP);
    return command ? 0 : 2;
  }
  const cmd = COMMANDS[command];
  if (!cmd) {
    err(`error: unknown command '${command}'\n\n${HELP}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    out(commandHelp(cmd));
    return 0;
  }
  try {
    await cmd.run(rest, out);
    return 0;
  } catch (e) {
    if (isLaminSyncError(e)) {
      const signal = receivedSignal();
      if (e.code === 'CANCELLED' && signal) {
        err('cancelled: nothing written');
        return exitCodeFor(signal);
      }
      if (e.code === 'INVALID_ARGUMENT') {
        // One line saying what is wrong, then the command's usage.
        const what = e.message.split('\n').filter((l) => !l.startsWith('usage: '));
        if (what.length > 0) err(`error: ${what.join('\n')}`);
        err(`usage: ${cmd.usage}`);
      } else {
        err(`error: ${e.message}`);
      }
      if (debug) err(stacks(e));
      return e.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    err(internalErrorLine(e));
    if (debug) err(stacks(e));
    return 1;
  }
}

if (require.main === module) {
  const debug = process.argv.includes('--debug');
  // What escapes main (an error event of a connection, a rejection nobody awaited): one line too.
  const last = (e: unknown) => {
    console.error(redactLocation(internalErrorLine(e)));
    if (debug) console.error(redactLocation(stacks(e)));
    process.exit(1);
  };
  process.on('uncaughtException', last);
  process.on('unhandledRejection', last);
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
