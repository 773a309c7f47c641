import { pino, type Logger } from "pino";
import { prettyLine } from "./prettyLine.js";

/** How log lines are written: `json` for machines (one pino object a line), `pretty` for people. */
export type LogFormat = "json" | "pretty";

/** Where lines go: stdout, or anything with a synchronous `write` (tests). */
export interface LogOutput {
  write(line: string): unknown;
}

/**
 * `LOG_FORMAT` (`json` or `pretty`), else `pretty` when stdout is a terminal (someone runs
 * `npm start` and reads it) and `json` when it is piped or redirected (a log collector,
 * journald, a file). Colours only on a terminal, and never with `NO_COLOR` set.
 */
export function logFormatFor(env: NodeJS.ProcessEnv, stdoutIsTerminal: boolean): { format: LogFormat; color: boolean } | string {
  const asked = env.LOG_FORMAT;
  if (asked !== undefined && asked !== "" && asked !== "json" && asked !== "pretty") return `LOG_FORMAT must be "json" or "pretty", got "${asked}"`;
  const format: LogFormat = asked === "json" || asked === "pretty" ? asked : stdoutIsTerminal ? "pretty" : "json";
  return { format, color: format === "pretty" && stdoutIsTerminal && !env.NO_COLOR };
}

/**
 * The server's logger. `json` is pino's own output; `pretty` re-renders each line with
 * {@link prettyLine} (colours only on a terminal) before it is written, synchronously, so no
 * line is lost at exit. The same function makes the loggers of SFU worker threads, which get
 * the format the main thread chose (their own stdout is never a terminal).
 */
export function createLogger(options: { level: string; format: LogFormat; color?: boolean }, out: LogOutput = process.stdout): Logger {
  if (options.format === "json") return pino({ level: options.level }, out);
  const color = options.color === true;
  return pino({ level: options.level }, { write: (line: string) => out.write(prettyLine(line, color)) });
}
