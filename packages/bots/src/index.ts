/**
 * @packageDocumentation
 * Bot participants for tests and benchmarks: join through the real protocol, publish VP8 and
 * Opus from files made by `scripts/media-fixtures.mjs`, count what they receive.
 */
export { Bot, type BotOptions, type BotPublishOptions, type BotEvents } from "./Bot.js";
export { ReceivedTrack } from "./ReceivedTrack.js";
export { VideoPacketSource, AudioPacketSource, loadMedia, type MediaFiles } from "./MediaSource.js";
export { parseIvf, writeIvf, type IvfFrame, type IvfHeader } from "./media/ivf.js";
export { parseOggOpus } from "./media/ogg.js";
export { MediaFormatError } from "./media/errors.js";
export { Vp8Packetizer, Vp8FrameAssembler, isVp8Keyframe, vp8DescriptorLength, type AssembledFrame } from "./rtp/vp8.js";
export { fixturesDir, fixturePath } from "./fixtures.js";
export { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.js";
export { DeliveryWindow } from "./Delivery.js";
export { ServerProcess } from "./bench/server-process.js";
/** The V8 flags the server runs with (see @confab/server). */
export { SERVER_ENV, SERVER_NODE_FLAGS } from "@confab/server";
