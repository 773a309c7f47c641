/** Room policies: the stored type, where they are kept, operator pre-configuration, resolution. */
export * from "./RoomPolicy.js";
export type { PolicyStore } from "./PolicyStore.js";
export * from "./MemoryPolicyStore.js";
export * from "./FilePolicyStore.js";
export * from "./RoomsFile.js";
export * from "./PolicyResolver.js";
export * from "./createPolicyResolver.js";
