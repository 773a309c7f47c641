/**
 * Node/V8 flags the server runs with (`npm start`, the benchmarks and the E2E tests all start it
 * this way; V8 flags cannot be set safely once the process runs — setting
 * `--single-threaded-gc` at run time crashed V8 in a concurrent-marking check).
 *
 * Every forwarded packet creates a Node cipher object (one per AES-GCM operation), and V8
 * frees their native state in young-generation GC pauses: with the default 16 MB semi-space a
 * worker at 10 000 packets/s paused 3–16 ms every ~350 ms, ~5 ms of it running the weak
 * callbacks of ~5 000 dead cipher objects and most of the rest waiting for GC helper threads
 * that the busy cores could not run. A 1 MB semi-space makes the pauses ~15 times more
 * frequent and as much shorter (almost nothing survives them: ~8 KB), and single-threaded GC
 * stops the waiting. Measured at `fanout-10`: forwarding delay p99 16–30 ms → 5–8 ms, with
 * no measurable change in CPU per packet (docs/decisions/0006).
 *
 * `--expose-gc` lets an SFU worker that hosts nobody any more collect its garbage at once and
 * give the memory back (memory/collectGarbage.ts; docs/decisions/0011): an idle thread
 * allocates nothing, so V8 would never collect it.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--single-threaded-gc", "--max-semi-space-size=1", "--expose-gc"];

/**
 * Environment the server runs with, for the same reason as the flags (set before the process
 * starts): glibc's malloc maps every block of 8 MiB or more on its own and unmaps it when freed.
 * A room password's scrypt hash (auth/password.ts) takes one 16 MiB block on a libuv thread;
 * with glibc's sliding threshold the first freed one raised the threshold above 16 MiB, and
 * each libuv thread kept its block in its arena from then on (+67 MB RSS after 5 hashes,
 * measured, with 4 threads; the same 200 hashes with this setting: nothing kept).
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(8 * 1024 * 1024) };

/** {@link SERVER_ENV} as `NAME=value` words for a shell command line or a systemd unit. */
export const SERVER_ENV_WORDS: readonly string[] = Object.entries(SERVER_ENV).map(([name, value]) => `${name}=${value}`);
