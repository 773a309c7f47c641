/**
 * Fuzzing of every parser that reads untrusted input (`@confab/server/fuzz`): the targets
 * (generators and properties) run briefly in the unit tests and for as long as asked by
 * `npm run fuzz`.
 */
export { FUZZ_TARGETS, MAX_ERROR_TEXT } from "./targets.js";
export { runFuzzTarget, describeInput, type FuzzTarget, type FuzzRunOptions, type FuzzRunResult } from "./FuzzTarget.js";
export { mutatedFrame, mutatedText, mutatedBytes, applyJsonEdits, applyLineEdits, applyByteEdits } from "./mutations.js";
export { CLIENT_MESSAGES, SDP_FIXTURES } from "./seeds.js";
export { FAILING_OFFERS, GOOD_OFFER, GOOD_OFFER_TRACKS, type FailingOffer } from "./failingOffers.js";
