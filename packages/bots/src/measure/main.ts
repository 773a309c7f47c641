import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { killServersOnInterrupt } from "../bench/server-process.js";
import { measureWorstMessages, worstMessageTable } from "./worstMessage.js";

/*
 * npm run measure -- worst-message [--repeat 20] [--out FILE.md]
 *
 * Measurements of the server that are not benchmarks of throughput. `worst-message`: the
 * server's CPU time and kept memory for each kind of worst single client message, as a
 * markdown table (goal: under 50 ms and 1 MB each).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { repeat: { type: "string", default: "20" }, out: { type: "string" } },
});
const what = positionals[0] ?? "worst-message";
if (what !== "worst-message") {
  console.error(`unknown measurement ${what}; there is: worst-message`);
  process.exit(2);
}
killServersOnInterrupt();
const results = await measureWorstMessages({ repeat: Number(values.repeat), log: (line) => console.log(line) });
const table = worstMessageTable(results);
console.log(`\n${table}\n`);
if (values.out) writeFileSync(values.out, `${table}\n`);
process.exit(0);
