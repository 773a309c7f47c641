/**
 * @packageDocumentation
 * The Confab server: HTTP(S) serving the web app, WebSocket signaling, rooms and the SFU.
 */
export { startServer, SERVER_VERSION, type RunningServer } from "./server.js";
export { defaultConfig, resolveConfig, DEFAULT_UDP_BUFFER_BYTES, type ServerConfig, type ConfigOverrides } from "./config/config.js";
export { loadConfig, defaultWebRoot, ConfigError } from "./config/env.js";
export { peerConfig, hostAddresses, filterSdpCandidates, onAllowedCandidates } from "./sfu/peer-config.js";
export { installWeriftPatches } from "./sfu/weriftPatches.js";
export { startIceAfterRestart } from "./sfu/iceRestart.js";
export { probeUdpBufferSizes, udpBufferCapMessage } from "./sfu/udpSockets.js";
export { socketFd } from "./sfu/native/dgramState.js";
export { mediaSections, type MediaSection } from "./sfu/sdp.js";
export { SERVER_ENV, SERVER_ENV_WORDS, SERVER_NODE_FLAGS } from "./node-flags.js";
export { signJoinToken, verifyJoinToken, type JoinClaims } from "./auth/tokens.js";
export { signAdminToken, verifyAdminToken, ADMIN_TOKEN_AUDIENCE } from "./auth/adminTokens.js";
export { createLogger, type LogFormat } from "./log/createLogger.js";
export { verifyWebhookSignature, webhookAuthorization } from "./webhooks/signature.js";
export { WebhookBody } from "./webhooks/WebhookBody.js";
export type { ParticipantStats } from "./room/ParticipantStats.js";
export type { IcePath } from "./sfu/icePath.js";
