/**
 * Gate for the tests that need clang-19. When it is missing they are skipped
 * with a loud warning, unless ASSET_SIM_REQUIRE_CLANG=1 (set by `.ci/run`),
 * in which case a failing test says so: CI must never pass by skipping them.
 */
import { describe, it } from "vitest";
import { CLANG, isClangAvailable } from "../../programs/tools/build-program.js";

/** Whether clang-19 runs on this machine. */
export const CLANG_AVAILABLE = isClangAvailable();

const REQUIRED = process.env.ASSET_SIM_REQUIRE_CLANG === "1";

/**
 * `describe` when clang-19 is installed; otherwise a skipped block plus a
 * warning, or, with ASSET_SIM_REQUIRE_CLANG=1, one failing test.
 */
export function describeWithClang(name: string, body: () => void): void {
  if (CLANG_AVAILABLE) {
    describe(name, body);
    return;
  }
  if (REQUIRED) {
    describe(name, () => {
      it(`needs ${CLANG}`, () => {
        throw new Error(`${CLANG} is not installed but ASSET_SIM_REQUIRE_CLANG=1: install it with: apt-get install -y clang-19`);
      });
    });
    return;
  }
  process.stderr.write(
    `\n!!! SKIPPED "${name}": ${CLANG} is not installed (install it with: apt-get install -y clang-19; ` +
      "set ASSET_SIM_REQUIRE_CLANG=1 to make this a failure) !!!\n\n",
  );
  describe.skip(name, body);
}
