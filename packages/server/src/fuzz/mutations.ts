import fc from "fast-check";

/*
 * Mutations a hostile client applies to real input: lines of a text (SDP) dropped, repeated,
 * swapped, made huge; bytes of a packet flipped, cut, repeated; fields of a JSON message
 * removed, retyped, oversized, added. Every position is a natural number taken modulo the
 * input's size, so an edit applies to any input and shrinks towards the start.
 */

/** One edit of a text made of lines. */
export type LineEdit =
  | { op: "drop"; at: number; count: number }
  | { op: "duplicate"; at: number; times: number }
  | { op: "swap"; at: number; with: number }
  | { op: "insert"; at: number; line: string }
  | { op: "huge"; at: number; prefix: string; length: number }
  | { op: "truncate"; at: number }
  | { op: "chars"; at: number; chars: string }
  | { op: "lf" }
  | { op: "repeat-section"; at: number; times: number };

/** Attribute names a huge line is given: ones werift reads, and one it does not know. */
const HUGE_PREFIXES = ["a=x-junk:", "a=candidate:1 1 udp 1 1.2.3.4 9 typ host ", "a=ssrc:1 cname:", "a=rid:", "a=simulcast:send ", "a=fmtp:96 ", "a=mid:", "a=group:BUNDLE ", "m=video 9 UDP/TLS/RTP/SAVPF "];

/** Sizes around the bounds that matter: a line (1 KiB), an offer (64 KiB), a frame field (200 000). */
const hugeLength = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(1_025, 5_000, 65_537, 200_001) }, { weight: 4, arbitrary: fc.nat(3_000) });

const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat(), times: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(40, 200, 2_500)) }),
  fc.record({ op: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), line: fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom(...HUGE_PREFIXES).chain((p) => fc.string({ maxLength: 40 }).map((s) => p + s))) }),
  fc.record({ op: fc.constant("huge" as const), at: fc.nat(), prefix: fc.constantFrom(...HUGE_PREFIXES), length: hugeLength }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("chars" as const), at: fc.nat(), chars: fc.string({ unit: "binary", maxLength: 16 }) }),
  fc.constant({ op: "lf" as const }),
  fc.record({ op: fc.constant("repeat-section" as const), at: fc.nat(), times: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom(12, 152)) }),
);

/**
 * Longest text a mutation makes: past a signaling frame (256 KiB) nothing reaches a parser, and
 * a parser's time on a bigger text says nothing about the server.
 */
export const MAX_MUTATED_TEXT = 300_000;

/** How many copies of `piece` (characters) fit in what is left of the text's budget. */
function copiesThatFit(lines: readonly string[], piece: number, wanted: number): number {
  const used = lines.reduce((n, l) => n + l.length + 2, 0);
  return Math.max(0, Math.min(wanted, Math.floor((MAX_MUTATED_TEXT - used) / Math.max(1, piece))));
}

/** Applies `edits` to the lines of `text` (CRLF-separated, as SDP is); at most {@link MAX_MUTATED_TEXT} long. */
export function applyLineEdits(text: string, edits: readonly LineEdit[]): string {
  let lines = text.split("\r\n");
  let joined: string | undefined;
  const at = (n: number) => (lines.length === 0 ? 0 : n % lines.length);
  for (const edit of edits) {
    if (joined !== undefined) {
      lines = joined.split("\r\n");
      joined = undefined;
    }
    switch (edit.op) {
      case "drop":
        lines.splice(at(edit.at), edit.count);
        break;
      case "duplicate": {
        const i = at(edit.at);
        const line = lines[i] ?? "";
        lines.splice(i, 0, ...Array.from({ length: copiesThatFit(lines, line.length + 2, edit.times) }, () => line));
        break;
      }
      case "swap": {
        const i = at(edit.at);
        const j = at(edit.with);
        [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
        break;
      }
      case "insert":
        lines.splice(at(edit.at), 0, edit.line);
        break;
      case "huge":
        lines.splice(at(edit.at), 0, edit.prefix + "x".repeat(edit.length));
        break;
      case "truncate": {
        const text = lines.join("\r\n");
        joined = text.slice(0, edit.at % (text.length + 1));
        break;
      }
      case "chars": {
        const text = lines.join("\r\n");
        const i = edit.at % (text.length + 1);
        joined = text.slice(0, i) + edit.chars + text.slice(i);
        break;
      }
      case "lf":
        joined = lines.join("\n");
        lines = [joined];
        joined = undefined;
        break;
      case "repeat-section": {
        const starts = lines.flatMap((l, i) => (l.startsWith("m=") ? [i] : []));
        if (starts.length === 0) break;
        const s = starts[edit.at % starts.length]!;
        const e = starts.find((i) => i > s) ?? lines.length;
        const section = lines.slice(s, e);
        const size = section.reduce((n, l) => n + l.length + 2, 0);
        lines.splice(e, 0, ...Array.from({ length: copiesThatFit(lines, size, edit.times) }, () => section).flat());
        break;
      }
    }
  }
  return (joined ?? lines.join("\r\n")).slice(0, MAX_MUTATED_TEXT);
}

/** A text from `seeds` with one to eight line edits. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(lineEdit, { minLength: 1, maxLength: 8 })).map(([seed, edits]) => applyLineEdits(seed, edits));
}

/** One edit of a byte string. */
export type ByteEdit =
  | { op: "flip"; at: number; bit: number }
  | { op: "set"; at: number; value: number }
  | { op: "u16"; at: number; value: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "duplicate"; at: number; length: number; times: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 0xff, 0x80, 0x7f, 0x10, 0x90), fc.nat(255)) }),
  fc.record({ op: fc.constant("u16" as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 0xffff, 0x8000, 0x1fff, 0xbede, 0x1000), fc.nat(0xffff)) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 20 }) }),
);

/** Applies `edits` to a copy of `bytes`. */
export function applyByteEdits(bytes: Uint8Array, edits: readonly ByteEdit[]): Buffer {
  let b = Buffer.from(bytes);
  for (const edit of edits) {
    const at = b.length === 0 ? 0 : edit.at % b.length;
    switch (edit.op) {
      case "flip":
        if (b.length > 0) b[at] = b[at]! ^ (1 << edit.bit);
        break;
      case "set":
        if (b.length > 0) b[at] = edit.value;
        break;
      case "u16":
        if (b.length >= 2) b.writeUInt16BE(edit.value, Math.min(at, b.length - 2));
        break;
      case "truncate":
        b = b.subarray(0, edit.at % (b.length + 1));
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), edit.bytes, b.subarray(at)]);
        break;
      case "duplicate": {
        const piece = b.subarray(at, at + edit.length);
        b = Buffer.concat([b.subarray(0, at), ...Array.from({ length: edit.times + 1 }, () => piece), b.subarray(at + piece.length)]);
        break;
      }
    }
  }
  return b;
}

/** Bytes from `seeds` with one to six edits, or random bytes up to `maxRandom` long. */
export function mutatedBytes(seeds: readonly Uint8Array[], maxRandom = 1_500): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: 6 })).map(([seed, edits]) => applyByteEdits(seed, edits)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: maxRandom }).map((b) => Buffer.from(b)) },
  );
}

/** One edit of a JSON value: at the `at`-th node (depth first), modulo the number of nodes. */
export type JsonEdit =
  | { op: "drop"; at: number }
  | { op: "replace"; at: number; value: unknown }
  | { op: "add"; at: number; key: string; value: unknown }
  | { op: "duplicate-in-array"; at: number; times: number };

/** Values that break assumptions: other types, edge numbers, huge strings and arrays, deep nesting. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 4, arbitrary: fc.constantFrom(null, true, 0, -1, -0, 1e308, 2 ** 53, 0.5, "", "x", [], {}, "__proto__", "\u3164", "\u0000", "👍") },
  { weight: 2, arbitrary: hugeLength.map((n) => "y".repeat(n)) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom(30_000)).map((n) => Array.from({ length: n }, () => 1)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 500 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown) },
);

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant("add" as const), at: fc.nat(), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "type", "participantId", "y".repeat(70_000))), value: hostileValue }),
  fc.record({ op: fc.constant("duplicate-in-array" as const), at: fc.nat(), times: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(300, 5_000)) }),
);

/** The containers of `value` and the key of each child (depth first). */
function nodes(value: unknown, out: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = []): typeof out {
  if (Array.isArray(value)) {
    value.forEach((child, i) => {
      out.push({ parent: value, key: i });
      nodes(child, out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      out.push({ parent: value as Record<string, unknown>, key });
      nodes((value as Record<string, unknown>)[key], out);
    }
  }
  return out;
}

/** Applies `edits` to a deep copy of `message`. */
export function applyJsonEdits(message: unknown, edits: readonly JsonEdit[]): unknown {
  const root = { value: structuredClone(message) };
  for (const edit of edits) {
    const all = nodes(root);
    const node = all[edit.at % all.length];
    if (!node) break; // the message itself was dropped
    const parent = node.parent as Record<string | number, unknown>;
    switch (edit.op) {
      case "drop":
        if (Array.isArray(parent)) parent.splice(node.key as number, 1);
        else delete parent[node.key];
        break;
      case "replace":
        parent[node.key] = structuredClone(edit.value);
        break;
      case "add": {
        const target = parent[node.key];
        if (target !== null && typeof target === "object" && !Array.isArray(target)) {
          Object.defineProperty(target, edit.key, { value: structuredClone(edit.value), enumerable: true, configurable: true, writable: true });
        } else parent[node.key] = { [edit.key]: structuredClone(edit.value) };
        break;
      }
      case "duplicate-in-array": {
        if (!Array.isArray(parent)) break;
        const element = parent[node.key as number];
        // Copies of a big element would make a frame no server reads (and take long to build).
        const size = (JSON.stringify(element) ?? "").length + 1;
        const times = Math.min(edit.times, Math.floor(MAX_MUTATED_TEXT / size));
        parent.splice(node.key as number, 0, ...Array.from({ length: times }, () => structuredClone(element)));
        // Past a frame's size nothing reaches a parser: stop growing.
        if ((JSON.stringify(root.value) ?? "").length > MAX_MUTATED_TEXT) return root.value;
        break;
      }
    }
  }
  return root.value;
}

/** What is done to the serialized text of a mutated message. */
type FrameEdit =
  | { op: "none" }
  | { op: "truncate"; at: number }
  | { op: "duplicate-key"; key: string; value: string }
  | { op: "deep"; depth: number; open: string };

const frameEdit: fc.Arbitrary<FrameEdit> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ op: "none" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("duplicate-key" as const), key: fc.constantFrom("type", "room", "name", "text"), value: fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v) ?? "null") }) },
  // Nesting as deep as a frame allows, which no JSON value built here could be (stack).
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deep" as const), depth: fc.oneof(fc.integer({ min: 1, max: 1_000 }), fc.constantFrom(30_000, 52_000, 130_000)), open: fc.constantFrom("[", '{"a":') }) },
);

/** A frame: one of `seeds` with one to five field edits, serialized, maybe cut or given a duplicate key. */
export function mutatedFrame(seeds: readonly unknown[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(jsonEdit, { minLength: 1, maxLength: 5 }), frameEdit).map(([seed, edits, frame]) => {
    const text = JSON.stringify(applyJsonEdits(seed, edits)) ?? "null";
    switch (frame.op) {
      case "none":
        return text;
      case "truncate":
        return text.slice(0, frame.at % (text.length + 1));
      case "duplicate-key":
        return text.startsWith("{") ? `{${JSON.stringify(frame.key)}:${frame.value},${text.slice(1)}` : text;
      case "deep": {
        const close = frame.open === "[" ? "]" : "}";
        const inner = frame.open.repeat(frame.depth) + "1" + close.repeat(frame.depth);
        return text.startsWith("{") ? `{"deep":${inner},${text.slice(1)}` : inner;
      }
    }
  });
}
