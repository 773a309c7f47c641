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
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--single-threaded-gc", "--max-semi-space-size=1"];
