/** pino's numeric levels (https://getpino.io/#/docs/api?id=levels) and how a person reads them. */
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: "TRACE", color: "\x1b[90m" },
  20: { name: "DEBUG", color: "\x1b[36m" },
  30: { name: "INFO", color: "\x1b[32m" },
  40: { name: "WARN", color: "\x1b[33m" },
  50: { name: "ERROR", color: "\x1b[31m" },
  60: { name: "FATAL", color: "\x1b[35m" },
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";

/** Fields every pino line has, shown in the line's head or not at all. */
const HEAD = new Set(["level", "time", "msg", "pid", "hostname", "v"]);

/** A value as `key=value` shows it: plain when it needs no quoting, else JSON. */
function show(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return JSON.stringify(value);
}

function clock(time: unknown): string {
  const d = typeof time === "number" ? new Date(time) : new Date();
  return d.toISOString().slice(11, 23);
}

/**
 * One pino JSON line as a person reads it in a terminal:
 * `12:04:05.120 INFO  participant joined  room=standup identity=ann participant=p1a2b`,
 * then an error's stack, indented. A line that is not pino JSON is passed through.
 */
export function prettyLine(json: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  if (record === null || typeof record !== "object") return `${json.trimEnd()}\n`;
  const level = LEVELS[record.level as number] ?? { name: String(record.level ?? "?").toUpperCase(), color: "" };
  const paint = (c: string, s: string) => (color ? `${c}${s}${RESET}` : s);
  const fields: string[] = [];
  let stack = "";
  for (const [key, value] of Object.entries(record)) {
    if (HEAD.has(key) || value === undefined) continue;
    const err = value as { message?: unknown; stack?: unknown } | null;
    if ((key === "err" || key === "error") && err && typeof err === "object" && typeof err.stack === "string") {
      fields.push(`${key}=${show(err.message ?? "")}`);
      stack = `\n${err.stack.replace(/^/gm, "    ")}`;
      continue;
    }
    fields.push(`${paint(DIM, `${key}=`)}${show(value)}`);
  }
  const head = `${paint(DIM, clock(record.time))} ${paint(level.color, level.name.padEnd(5))} ${String(record.msg ?? "")}`;
  return `${head}${fields.length > 0 ? `  ${fields.join(" ")}` : ""}${stack}\n`;
}
