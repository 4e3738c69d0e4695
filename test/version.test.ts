/** The version written into seed files is the package's. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { PACKAGE_VERSION } from "../src/version.js";
import { ROOT } from "./helpers/scenario.js";

it("PACKAGE_VERSION equals package.json's version", () => {
  expect(PACKAGE_VERSION).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
});
