/**
 * The HTML report in a real browser (Debian's chromium, driven by
 * playwright-core): the report of a shipped must-fail scenario's seed file
 * opens without a console error, draws one lane per node, puts the violation
 * marker at the seed file's time (checked against the diagram's own axis, also
 * after zooming), and fills its plots. A screenshot goes to
 * `test-output/report/`. Without /usr/bin/chromium the test is skipped with a
 * warning, unless ASSET_SIM_REQUIRE_CHROMIUM=1 (set by `.ci/run`): then it fails.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseScenario } from "../../src/scenario/load.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { parseSeedFile, type SeedFile } from "../../src/scenario/seed-file.js";
import { ROOT } from "../helpers/scenario.js";

const CHROMIUM = "/usr/bin/chromium";
const AVAILABLE = existsSync(CHROMIUM);
const REQUIRED = process.env.ASSET_SIM_REQUIRE_CHROMIUM === "1";
const OUTPUT = join(ROOT, "test-output", "report");

if (!AVAILABLE && !REQUIRED) {
  process.stderr.write(`\n!!! SKIPPED the report's browser test: ${CHROMIUM} is not installed (apt-get install -y chromium; CI sets ASSET_SIM_REQUIRE_CHROMIUM=1)\n\n`);
}

/** Opens `file` and collects console errors and page errors. */
async function open(browser: Browser, file: string, readyTimeoutMs = 10_000): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) errors.push(`the page asked the network for ${r.url()}`);
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: readyTimeoutMs }).catch(() => errors.push("the page never got ready"));
  return { page, errors };
}

/** The violation marker's x, and the x the diagram's axis gives its time (from the axis ticks on either side). */
async function markerAndAxisX(page: Page, atUs: number): Promise<{ marker: number; axis: number }> {
  return page.evaluate((us) => {
    const marker = document.getElementById("violation-marker")!;
    const ticks = Array.from(document.querySelectorAll<SVGGElement>("#spacetime g.axis g.tick")).map((t) => ({
      x: Number(/translate\(([-\d.e]+)/.exec(t.getAttribute("transform") ?? "")![1]),
      us: Number.parseFloat(t.querySelector("text")!.textContent!) * 1e6,
    }));
    const [a, b] = [ticks[0]!, ticks[ticks.length - 1]!];
    return { marker: Number(marker.getAttribute("x1")), axis: a.x + ((us - a.us) * (b.x - a.x)) / (b.us - a.us) };
  }, atUs);
}

describe.skipIf(!AVAILABLE && !REQUIRED)("the HTML report in chromium", () => {
  let browser: Browser;
  let seedFile: SeedFile;
  let html: string;
  let dir: string;

  beforeAll(async () => {
    if (!AVAILABLE) throw new Error(`${CHROMIUM} is not installed but ASSET_SIM_REQUIRE_CHROMIUM=1: install it with: apt-get install -y chromium`);
    dir = mkdtempSync(join(tmpdir(), "report-browser-"));
    const io = { out: () => {}, err: () => {} };
    // The shipped must-fail scenario fails (exit 1) and writes its seed file; the report reruns that file.
    expect(await main(["node", "asset-sim", "run", "twins-must-fail", "--out", dir], io)).toBe(1);
    const seedPath = join(dir, (await import("node:fs")).readdirSync(dir).find((f) => f.endsWith(".json"))!);
    seedFile = parseSeedFile(readFileSync(seedPath, "utf8"));
    html = join(dir, "report.html");
    expect(await main(["node", "asset-sim", "report", seedPath, "-o", html], io)).toBe(0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("draws the seed file's run: one lane per node, the violation at its time, plots with data, no console error", async () => {
    const { page, errors } = await open(browser, html);
    expect(errors).toEqual([]);
    const nodes = new ScenarioRun(parseScenario({ ...seedFile.scenario, seed: seedFile.seed })).world.nodeIds();
    expect(await page.locator("#spacetime g.lane").evaluateAll((lanes) => lanes.map((l) => l.getAttribute("data-node")))).toEqual(nodes);

    const marker = page.locator("#violation-marker");
    expect(Number(await marker.getAttribute("data-time-us"))).toBe(seedFile.violation.atUs);
    const before = await markerAndAxisX(page, seedFile.violation.atUs);
    expect(Math.abs(before.marker - before.axis)).toBeLessThan(1);
    // The diagram opens around the violation: the marker is inside the drawing.
    const box = (await page.locator("#spacetime").boundingBox())!;
    expect(before.marker).toBeGreaterThan(0);
    expect(before.marker).toBeLessThan(box.width);
    expect(await page.locator("#violation").textContent()).toContain(seedFile.violation.invariant);

    // Arrows and protocol events are drawn; the page says whether the arrows were capped.
    expect(await page.locator("#spacetime line.msg").count()).toBeGreaterThan(50);
    expect(await page.locator("#spacetime line.msg.dropped").count()).toBeGreaterThan(0);
    expect(await page.locator("#spacetime circle.lane-event.vote").count()).toBeGreaterThan(0);
    expect(await page.locator("#spacetime rect.fault-window").count()).toBeGreaterThan(0);
    expect(await page.locator("#diagram-notes").textContent()).toMatch(/messages are drawn/);

    // Every plot has data points and a drawn canvas; the page names the series the run has no data for.
    const plots = await page.locator(".plot").evaluateAll((els) => els.map((e) => ({ title: (e as HTMLElement).dataset.title, points: Number((e as HTMLElement).dataset.points), canvas: e.querySelector("canvas") !== null })));
    expect(plots.map((p) => p.title)).toEqual(expect.arrayContaining(["View per node", "Committed height per node", "Reorg depth (deepest head rollback)"]));
    for (const p of plots) {
      expect(p.points).toBeGreaterThan(0);
      expect(p.canvas).toBe(true);
    }
    expect(await page.locator("#slo-notes").textContent()).toContain("No data in this run for: Block interval");
    expect(await page.locator("#invariants tr.bad").textContent()).toContain(seedFile.violation.invariant);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "twins-must-fail.png"), fullPage: true });

    // Zoom in a little left of the marker: it moves right, and stays at its time on the rescaled axis.
    const markerBox = (await marker.boundingBox())!;
    await page.mouse.move(markerBox.x - 40, box.y + 60);
    await page.mouse.wheel(0, -200);
    await page.waitForTimeout(200);
    const after = await markerAndAxisX(page, seedFile.violation.atUs);
    expect(Math.abs(after.marker - after.axis)).toBeLessThan(1);
    expect(after.marker).toBeGreaterThan(before.marker + 2);
    expect(after.marker).toBeLessThan(box.width);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, "twins-must-fail-zoomed.png") });
    await page.close();
  });

  it("catches a broken page: without its d3 bundle the page throws, and the test's error check sees it", async () => {
    const broken = join(dir, "broken.html");
    const page0 = readFileSync(html, "utf8");
    const start = page0.indexOf("<script>// https://d3js.org");
    expect(start).toBeGreaterThan(0);
    writeFileSync(broken, page0.slice(0, start) + page0.slice(page0.indexOf("</script>", start) + "</script>".length));
    const { page, errors } = await open(browser, broken, 1_000);
    expect(errors.join("\n")).toMatch(/d3 is not defined/);
    await page.close();
  });
});
