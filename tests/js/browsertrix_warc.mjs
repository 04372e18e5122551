// Writes a WARC as Browsertrix Crawler writes one (util/recorder.ts and util/warcwriter.ts
// in webrecorder/browsertrix-crawler, AGPL-3.0; reimplemented here, not copied): with
// warcio.js (Apache-2.0), Browsertrix's own WARC library, a warcinfo record, then for each page a
// WARC/1.1 response record (WARC-Page-ID, WARC-Resource-Type; the HTTP headers as the
// browser saw them, Content-Encoding dropped and Content-Length set to the payload) and
// its request record (WARC-Concurrent-To), each its own gzip member.
//
//   node browsertrix_warc.mjs CAPTURES.json OUT.warc.gz
//
// CAPTURES.json: [{"url", "status", "statusText", "headers": {name: value}, "body": path,
// "ts": milliseconds}].
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import { WARCRecord, WARCSerializer } from "warcio";

const [capturesPath, outPath] = process.argv.slice(2);
const captures = JSON.parse(fs.readFileSync(capturesPath, "utf8"));
const warcVersion = "WARC/1.1";
const out = fs.openSync(outPath, "w");

async function write(record) {
  fs.writeSync(out, await WARCSerializer.serialize(record, { gzip: true }));
}

await write(WARCRecord.createWARCInfo(
  { filename: outPath.split("/").pop(), warcVersion },
  { software: "Browsertrix-Crawler 1.x (warcio.js)", format: "WARC File Format 1.1" }));

for (const capture of captures) {
  const payload = new Uint8Array(fs.readFileSync(capture.body));
  const pageId = randomUUID();
  const date = new Date(capture.ts).toISOString();  // milliseconds, as Browsertrix writes
  const httpHeaders = {};
  for (const [name, value] of Object.entries(capture.headers)) {
    if (!["content-encoding", "transfer-encoding", "content-length"].includes(name.toLowerCase())) {
      httpHeaders[name] = value;
    }
  }
  httpHeaders["content-length"] = String(payload.length);
  const response = WARCRecord.create({
    url: capture.url, date, warcVersion, type: "response",
    warcHeaders: { "WARC-Page-ID": pageId, "WARC-Resource-Type": "document" },
    httpHeaders, statusline: `HTTP/1.1 ${capture.status} ${capture.statusText}`,
  }, [payload]);
  await write(response);
  const target = new URL(capture.url);
  await write(WARCRecord.create({
    url: capture.url, date, warcVersion, type: "request",
    warcHeaders: { "WARC-Page-ID": pageId,
                   "WARC-Concurrent-To": response.warcHeader("WARC-Record-ID") },
    httpHeaders: { Host: target.host, "User-Agent": "Mozilla/5.0 (Browsertrix-Crawler)" },
    statusline: `GET ${target.pathname}${target.search} HTTP/1.1`,
  }, []));
}
fs.closeSync(out);
