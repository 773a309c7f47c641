import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { killServersOnInterrupt } from "../bench/server-process.js";
import { failingOffersTable, measureFailingOffers } from "./failingOffers.js";
import { measureWorstMessages, worstMessageTable } from "./worstMessage.js";

/*
 * npm run measure -- worst-message [--repeat 20] [--only TEXT] [--out FILE.md]
 * npm run measure -- failing-offers [--count 10000] [--clients 20] [--out FILE.md]
 *
 * Measurements of the server that are not benchmarks of throughput, each printed as markdown.
 * `worst-message`: the server's CPU time and kept memory for each kind of worst single client
 * message (goal: under 50 ms and 1 MB each). `failing-offers`: descriptors, UDP sockets and
 * RSS of a server before and after that many offers that fail (goal: back to the count before).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    repeat: { type: "string", default: "20" },
    only: { type: "string" },
    count: { type: "string", default: "10000" },
    clients: { type: "string", default: "20" },
    out: { type: "string" },
  },
});
const what = positionals[0] ?? "worst-message";
const MEASUREMENTS = ["worst-message", "failing-offers"];
if (!MEASUREMENTS.includes(what)) {
  console.error(`unknown measurement ${what}; there is: ${MEASUREMENTS.join(", ")}`);
  process.exit(2);
}
killServersOnInterrupt();
const log = (line: string) => console.log(line);
const table =
  what === "worst-message"
    ? worstMessageTable(await measureWorstMessages({ repeat: Number(values.repeat), only: values.only, log }))
    : failingOffersTable(await measureFailingOffers({ count: Number(values.count), clients: Number(values.clients), log }));
console.log(`\n${table}\n`);
if (values.out) writeFileSync(values.out, `${table}\n`);
process.exit(0);
