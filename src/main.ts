#!/usr/bin/env -S npx tsx
import {
  CommandError,
  helpHint,
  parseCommandArgs,
  USAGE_EXIT_CODE,
  UsageError,
  unknownCommand,
  wantsHelp,
} from "./cli/args";
import { commandHelp, findCommand, generalHelp } from "./cli/commands";
import { configCommand } from "./cli/config-commands";
import { doctor } from "./cli/doctor";
import { keys, migrate, parseKeysArgs, serve, WHEN_LOCKED } from "./cli/store-commands";
import { ConfigError, loadConfig } from "./config";
import { describeRenderError, renderCommand } from "./render-command";
import { DataDirLockedError } from "./store/data-dir-lock";
import { StoreOpenError } from "./store/db";

function render(args: string[]) {
  // The flags first: a typo is a usage error (exit 2) whatever the configuration.
  parseCommandArgs("render", args);
  try {
    const { messages, warnings } = renderCommand(loadConfig(), args);
    // One message per line (a split message's parts after it), as each is sent on its own.
    for (const message of messages) process.stdout.write(message.endsWith("\n") ? message : `${message}\n`);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  } catch (error) {
    const problem = describeRenderError(error);
    if (problem === undefined) throw error;
    process.stderr.write(`herald render: ${problem}\n`);
    process.exitCode = 1;
  }
}

/** `herald help [<command>]`, `herald --help`, `herald <command> --help`. */
function help(topic: string | undefined) {
  if (topic === undefined) return process.stdout.write(`${generalHelp()}\n`);
  const command = findCommand(topic);
  if (!command) throw unknownCommand(topic);
  process.stdout.write(`${commandHelp(command)}\n`);
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") return void help(undefined);
  if (command === "help") {
    if (rest.length > 1) throw new UsageError("help takes one command at most", "help");
    return void help(rest[0]);
  }
  if (command.startsWith("-")) throw new UsageError(`unknown flag ${command}: flags come after the command`);
  if (!findCommand(command)) throw unknownCommand(command);
  if (wantsHelp(rest)) return void help(command);
  if (command === "render") return render(rest);
  if (command === "doctor") {
    // Lookups that timed out may still be pending: leave without waiting for them.
    process.exit(await doctor(rest));
  }
  if (command === "config") return configCommand(rest, process.env);
  if (command === "keys") parseKeysArgs(rest);
  else parseCommandArgs(command, rest);
  const config = loadConfig();
  if (command === "serve") return serve(config);
  if (command === "migrate") return migrate(config);
  return keys(config, rest);
}

const argv = process.argv.slice(2);
main(argv).catch((error) => {
  if (error instanceof UsageError) {
    const where = error.command ? ` ${error.command}` : "";
    process.stderr.write(`herald${where}: ${error.message}\n${helpHint(error.command)}\n`);
  } else if (error instanceof DataDirLockedError) {
    process.stderr.write(`herald: ${error.message}.\n${WHEN_LOCKED[argv[0] ?? ""] ?? ""}\n`);
  } else if (
    error instanceof ConfigError ||
    error instanceof StoreOpenError ||
    error instanceof CommandError
  ) {
    process.stderr.write(`herald: ${error.message}\n`);
  } else {
    process.stderr.write(
      `herald: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(error instanceof UsageError ? USAGE_EXIT_CODE : 1);
});
