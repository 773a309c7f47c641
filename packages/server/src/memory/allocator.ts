import { loadNative } from "@confab/native";

/**
 * The C allocator's side of the server's memory. Every thread's native allocations (received
 * datagrams' buffers, Buffers and their ArrayBuffers, OpenSSL and libuv state) come from glibc
 * malloc, which gives each busy thread an arena of its own and keeps the pages freed inside an
 * arena resident: once the V8 garbage collector frees a burst of them (the media of a
 * participant who left, a batch of dead packet Buffers), the process's resident memory stays at
 * its high-water mark. Measured in a soak (docs/measurements.md): 62 of 121 MB of the arenas
 * free but resident after everyone had left, 46 MB given back by one malloc_trim(0).
 * docs/decisions/0011.
 */

/** glibc malloc's figures for the whole process (all arenas), bytes. */
export interface AllocatorStats {
  /** Held by malloc's arenas (main and per-thread), from the system. */
  arenaBytes: number;
  /** Handed out and not freed yet. */
  inUseBytes: number;
  /** Free inside the arenas: resident until trimmed, when its pages were touched. */
  freeBytes: number;
  /** Large allocations in chunks of their own (given back when freed). */
  mmappedBytes: number;
}

/** The process's malloc figures, or undefined without the native addon or glibc. */
export function allocatorStats(): AllocatorStats | undefined {
  const figures = loadNative().addon?.mallocStats?.();
  if (!figures) return undefined;
  const [arenaBytes, inUseBytes, freeBytes, mmappedBytes] = figures;
  return { arenaBytes, inUseBytes, freeBytes, mmappedBytes };
}

/**
 * Gives the free pages inside malloc's arenas back to the system (malloc_trim(0), every
 * arena); returns whether any were. A no-op without the native addon or glibc. It holds each
 * arena's lock while it walks it (about a millisecond per 100 MB of arenas here), so it runs
 * rarely: see {@link MemoryReturner}.
 */
export function trimAllocator(): boolean {
  return loadNative().addon?.mallocTrim?.() ?? false;
}
