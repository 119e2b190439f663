// verify-warc.mjs — checks WARC files with warcio.js, an implementation that
// is not ours, so the C tests have an independent reader to agree with.
//
//   node tests/js/verify-warc.mjs FILE...
//
// Reads every record twice with warcio.js's WARCParser: once without HTTP
// parsing, where readFully() returns the whole block, and once with it, where
// readFully() returns the payload as stored (the bytes after the HTTP head,
// chunk framing and content coding left in). It then recomputes
// WARC-Block-Digest over the block and WARC-Payload-Digest over the payload
// (sha1/sha256/sha512, hex or base32, as labelled) and compares.
// A revisit's payload digest names the original's payload, which is not in
// the record, so only its block digest is checked.
//
// Prints one JSON object: {"records", "types", "urls", "records_list",
// "failures"} and exits 1 when a digest does not match, a record is missing
// its WARC-Record-ID, or a file cannot be parsed; 2 on usage errors.
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { WARCParser } from "warcio";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(buf) {
	let bits = 0, value = 0, out = "";
	for (const byte of buf) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += BASE32[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out += BASE32[(value << (5 - bits)) & 31];
	return out;
}

// "sha256:…" -> does data hash to it? null when the label is unknown.
function digestMatches(labelled, data) {
	const colon = labelled.indexOf(":");
	if (colon < 0)
		return null;
	const algo = labelled.slice(0, colon).toLowerCase().replace("-", "");
	const value = labelled.slice(colon + 1);
	if (!["sha1", "sha256", "sha512", "md5"].includes(algo))
		return null;
	const raw = createHash(algo).update(data).digest();
	return value.toLowerCase() === raw.toString("hex") || value.toUpperCase() === base32(raw);
}

async function readAll(file, parseHttp) {
	const out = [];
	const parser = new WARCParser(createReadStream(file), { parseHttp });
	for await (const record of parser) {
		const data = await record.readFully(false);
		out.push({ record, data, offset: parser.offset });
	}
	return out;
}

async function verify(file, summary) {
	const blocks = await readAll(file, false);
	const payloads = await readAll(file, true);
	if (blocks.length !== payloads.length)
		summary.failures.push({ file, error: "record counts differ between passes" });

	for (let i = 0; i < blocks.length; i++) {
		const { record, data, offset } = blocks[i];
		const type = record.warcType;
		const id = record.warcHeader("WARC-Record-ID");
		const url = record.warcTargetURI || null;
		summary.records++;
		summary.types[type] = (summary.types[type] || 0) + 1;
		if (url && !summary.urls.includes(url))
			summary.urls.push(url);
		summary.records_list.push({ file, offset, type, id, url });
		const fail = (what) => summary.failures.push({ file, offset, type, id, error: what });

		if (!id)
			fail("no WARC-Record-ID");
		const blockDigest = record.warcBlockDigest;
		if (blockDigest) {
			const ok = digestMatches(blockDigest, data);
			if (ok === null)
				fail("unknown block digest algorithm " + blockDigest);
			else if (!ok)
				fail("block digest mismatch");
			else
				summary.block_digests_checked++;
		}
		const payloadDigest = record.warcPayloadDigest;
		if (payloadDigest && type !== "revisit" && payloads[i]) {
			const payload = record.warcContentType?.startsWith("application/http")
				? payloads[i].data : data;
			const ok = digestMatches(payloadDigest, payload);
			if (ok === null)
				fail("unknown payload digest algorithm " + payloadDigest);
			else if (!ok)
				fail("payload digest mismatch");
			else
				summary.payload_digests_checked++;
		}
	}
}

const files = process.argv.slice(2);
if (files.length === 0) {
	process.stderr.write("usage: node verify-warc.mjs FILE...\n");
	process.exit(2);
}
const summary = {
	records: 0, types: {}, urls: [], block_digests_checked: 0, payload_digests_checked: 0,
	records_list: [], failures: [],
};
for (const file of files) {
	try {
		await verify(file, summary);
	} catch (e) {
		summary.failures.push({ file, error: String(e && e.message || e) });
	}
}
process.stdout.write(JSON.stringify(summary) + "\n");
// exitCode, not exit(): exit() would cut output still queued for a pipe.
process.exitCode = summary.failures.length ? 1 : 0;
