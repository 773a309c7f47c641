/**
 * @packageDocumentation
 * Confab signaling protocol: message types and their runtime schemas, shared by the server,
 * the browser SDK and the bots. The zod schemas are the source of truth; see docs/protocol.md.
 */
export * from "./constants.js";
export * from "./errors.js";
export * from "./common.js";
export * from "./access.js";
export * from "./client-messages.js";
export * from "./server-messages.js";
export * from "./codec.js";
export * from "./versions.js";
export * from "./emitter.js";
