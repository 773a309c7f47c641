import { describe, expect, it } from "vitest";
import { parsePerfScript, splitBusiestThread } from "./perf-split.js";

const SCRIPT = `
 4746 
	          10b106 __sendmmsg
	          aa0000 JS:*flushQueued file:///x/packages/server/dist/sfu/native/SendBatch.js:100:10

 4746 
	          cc69c3 v8::internal::Heap::Scavenge
	          aa0001 JS:*onRtp file:///x/packages/server/dist/sfu/ForwardedTrack.js:185:10

 4746 
	          aa0002 JS:*onRtp file:///x/packages/server/dist/sfu/ForwardedTrack.js:185:10

 4746 
	          ffffff [unknown]

 4700 
	          aa0003 JS:^onStreamRead node:internal/stream_base_commons:168:22
`;

describe("perf-split", () => {
  it("files each sample of the busiest thread under the first category one of its frames matches", () => {
    const samples = parsePerfScript(SCRIPT);
    expect(samples.map((s) => s.tid)).toEqual([4746, 4746, 4746, 4746, 4700]);
    expect(samples[0]!.frames[0]).toBe("__sendmmsg");
    const { tid, total, rows } = splitBusiestThread(samples);
    expect(tid).toBe(4746);
    expect(total).toBe(4);
    // The send inside our flush is the kernel's send, a GC inside forwarding is GC.
    expect(Object.fromEntries(rows.map(([name, n]) => [name.split(" ")[0], n]))).toEqual({ kernel: 1, GC: 1, forwarding: 1, everything: 1 });
  });
});
