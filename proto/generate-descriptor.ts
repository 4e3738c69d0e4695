/** Writes `src/sbcp/wire/descriptor.ts` from `proto/sbcp/*.proto` (run after editing a `.proto` file: `npm run build:proto`). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { descriptorSource } from "./descriptor-source.js";

// dist/proto/generate-descriptor.js -> the repository root.
const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
writeFileSync(join(ROOT, "src", "sbcp", "wire", "descriptor.ts"), descriptorSource(join(ROOT, "proto", "sbcp")));
