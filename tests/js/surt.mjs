// surt.mjs — prints warcio.js's getSurt() of each input line, one per line,
// as a JSON string ("in" -> "out"), so the C SURT tests can carry a table of
// expected values produced by the reference implementation.
//   node tests/js/surt.mjs < urls.txt      (one URL per line)
//   node tests/js/surt.mjs URL...
import { readFileSync } from "node:fs";
import { getSurt } from "warcio/utils";

const urls = process.argv.length > 2
	? process.argv.slice(2)
	: readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);

for (const url of urls)
	process.stdout.write(JSON.stringify(url) + " " + JSON.stringify(getSurt(url)) + "\n");
