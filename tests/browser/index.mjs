// Opens the clerks' index (argument 1, an index.html) in headless Chromium (argument 2, its
// executable) as a clerk would, from the file share: every link must lead to a file that is
// there, and axe-core must report no accessibility violation. Prints one JSON object:
// { links, broken, violations }. Exit code 0 when both lists are empty, 1 otherwise.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const [index, executable] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  await page.goto(pathToFileURL(index).href);
  // The browser resolves each link as a click would.
  const links = await page.$$eval("a[href]", (as) => as.map((a) => a.href));
  const broken = links.filter((href) => !href.startsWith("file:") || !existsSync(fileURLToPath(href)));
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async () => await window.axe.run(document));
  const violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  console.log(JSON.stringify({ links, broken, violations }));
  process.exitCode = broken.length === 0 && violations.length === 0 ? 0 : 1;
} finally {
  await browser.close();
}
