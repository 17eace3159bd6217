// Builds the front-end assets that the Go binary embeds (web/assets.go).
//
//   npm run build   (or `make assets`)
//
// Output goes to web/static/dist: every file named by a hash of its content,
// plus manifest.json mapping logical names ("careers.css") to those files, so
// the server can cache them forever. Images that the CSS points at are copied
// too and their URLs rewritten to the hashed names before the CSS itself is
// hashed, so a changed image also changes the stylesheet's name.
//
// Same inputs give the same output, byte for byte.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const webDir = path.dirname(fileURLToPath(import.meta.url));
const stylesDir = path.join(webDir, "styles");
const outDir = path.join(webDir, "static", "dist");

const require = createRequire(import.meta.url);
const nhsukDir = path.join(path.dirname(require.resolve("nhsuk-frontend/package.json")), "dist", "nhsuk");
const nhsukImagesDir = path.join(nhsukDir, "assets", "images");

// The path the Sass settings give images (see web/styles/careers.scss) and
// the URL prefix the server mounts the asset handler on.
const cssImagePrefix = "/assets/images/";
const servePrefix = "/assets/";
// The only other host a stylesheet may name: the NHS font host, and only in
// the web-font variant.
const fontHost = "https://assets.nhs.uk/fonts/";

// Images the layout links to directly (favicons), beyond those the CSS uses.
const layoutImages = ["favicon.ico", "favicon.svg", "nhsuk-icon-180.png"];

/** @type {Map<string, {file: string, content: Buffer}>} logical name -> output */
const outputs = new Map();

function hashOf(content) {
  return createHash("sha256").update(content).digest("hex").slice(0, 10);
}

// Records an output file under its logical name ("images/favicon.ico") and
// returns its hashed name ("images/favicon.1a2b3c4d5e.ico").
function emit(logical, content) {
  const ext = path.extname(logical);
  const file = `${logical.slice(0, logical.length - ext.length)}.${hashOf(content)}${ext}`;
  const existing = outputs.get(logical);
  if (existing && existing.file !== file) {
    throw new Error(`${logical} emitted twice with different content`);
  }
  outputs.set(logical, { file, content });
  return file;
}

function emitImage(name) {
  if (name.includes("/") || name.includes("\\") || name.startsWith(".")) {
    throw new Error(`unexpected image name ${JSON.stringify(name)}`);
  }
  return emit(`images/${name}`, readFileSync(path.join(nhsukImagesDir, name)));
}

function compileStylesheet(logical, webFont) {
  // Load careers.scss as a module so the build can configure it; the Sass
  // is identical for both variants apart from this one setting.
  const result = sass.compileString(`@use "careers" with ($careers-web-font: ${webFont});`, {
    loadPaths: [stylesDir],
    importers: [new sass.NodePackageImporter(webDir)],
    style: "compressed",
    sourceMap: false,
    charset: true,
    // Warnings from nhsuk-frontend's own Sass are theirs to fix.
    quietDeps: true,
  });

  const unexpected = [];
  const css = result.css.replace(/url\(\s*(["']?)([^"')]+)\1\s*\)/g, (match, _quote, url) => {
    if (url.startsWith(cssImagePrefix)) {
      return `url(${servePrefix}${emitImage(url.slice(cssImagePrefix.length))})`;
    }
    if (webFont && url.startsWith(fontHost)) {
      return match;
    }
    unexpected.push(url);
    return match;
  });
  if (unexpected.length > 0) {
    throw new Error(`${logical}: URLs that would not be served by us: ${unexpected.join(", ")}`);
  }
  if (!webFont && css.includes("@font-face")) {
    throw new Error(`${logical}: has @font-face rules but the web font is meant to be off`);
  }
  if (webFont && !css.includes(fontHost)) {
    throw new Error(`${logical}: the web font variant does not load the NHS font`);
  }
  emit(logical, Buffer.from(css, "utf8"));
}

function copyScript() {
  const source = readFileSync(path.join(nhsukDir, "nhsuk-frontend.min.js"), "utf8");
  // The source map is not shipped, so drop the comment that points at it
  // (browsers would ask for it and get a 404).
  const js = source.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
  if (!js.includes("initAll")) {
    throw new Error("nhsuk-frontend.min.js no longer exports initAll; check the layout's module script");
  }
  emit("nhsuk-frontend.min.js", Buffer.from(js, "utf8"));
}

// Removes everything from earlier builds except the .keep file that keeps the
// (otherwise git-ignored) directory in the repository.
function cleanOutDir() {
  mkdirSync(outDir, { recursive: true });
  for (const entry of readdirSync(outDir)) {
    if (entry !== ".keep") {
      rmSync(path.join(outDir, entry), { recursive: true, force: true });
    }
  }
}

function main() {
  compileStylesheet("careers.css", false);
  compileStylesheet("careers-webfont.css", true);
  copyScript();
  for (const name of layoutImages) {
    emitImage(name);
  }

  cleanOutDir();
  const manifest = {};
  for (const logical of [...outputs.keys()].sort()) {
    const { file, content } = outputs.get(logical);
    const target = path.join(outDir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    manifest[logical] = file;
  }
  writeFileSync(path.join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  const total = [...outputs.values()].reduce((sum, { content }) => sum + content.length, 0);
  console.log(`web/static/dist: ${outputs.size} files, ${(total / 1024).toFixed(1)} KiB`);
}

main();
