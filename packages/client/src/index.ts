/**
 * @packageDocumentation
 * Confab browser SDK: connect to a Confab server, join a room, publish the microphone and
 * camera, receive everyone else. No UI; `packages/web` renders it.
 */
export { ConfabRoom, type ConfabRoomOptions, type ConfabRoomEvents, type LocalMedia, type PublishCapNotice, type RoomStatus } from "./ConfabRoom.js";
export { AccessState } from "./AccessState.js";
export { ClientError, type ClientErrorCode } from "./errors.js";
export { RoomState, type RemoteParticipant, type RemoteMedia } from "./RoomState.js";
export { SignalingClient, signalingUrl, type WebSocketLike, type WebSocketFactory } from "./SignalingClient.js";
export type { LocalTrack } from "./PublishConnection.js";
export { probeConnectivity, type ProbeResult, type ProbeOptions } from "./probe.js";
export { pathFromStats, diagnoseFailure, turnHost, type ConnectionPath, type MediaDiagnosis } from "./connectionPath.js";
