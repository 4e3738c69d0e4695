/**
 * Builds the TypeScript source of `src/sbcp/wire/descriptor.ts` from the
 * `.proto` files under `proto/sbcp/`, with protobufjs's own parser: the
 * descriptor is the parsed files' JSON form (`Root.toJSON()`), field names kept
 * as the spec spells them (`keepCase`). Node code loads it with
 * `Root.fromJSON`, so it never reads a file at run time.
 * `proto/generate-descriptor.ts` writes it; `test/sbcp/proto-descriptor.test.ts`
 * fails when the committed file and the `.proto` files disagree.
 */
import { join } from "node:path";
import protobuf from "protobufjs";

/** The `.proto` files, in load order. */
export const PROTO_FILES = ["sbcp.proto", "scp.proto", "envelope.proto", "ledger.proto"] as const;

/**
 * The source text of the descriptor module for the `.proto` files in `protoDir`.
 * @throws Error when a file does not parse (protobufjs's message names the line)
 */
export function descriptorSource(protoDir: string): string {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target.replace(/^.*[/\\]/, ""));
  root.loadSync(PROTO_FILES.map((f) => join(protoDir, f)), { keepCase: true });
  root.resolveAll();
  const json = JSON.stringify(root.toJSON({ keepComments: false }), null, 2);
  return [
    "/**",
    " * GENERATED from proto/sbcp/*.proto by `node dist/proto/generate-descriptor.js`",
    " * (npm run build:proto); do not edit. The JSON form of the SBCP, SCP, envelope and",
    " * ledger messages, loaded with protobufjs `Root.fromJSON` (no file IO at run time).",
    " */",
    'import type { INamespace } from "protobufjs/light.js";',
    "",
    "/** The parsed `.proto` files (protobufjs JSON descriptor, field names as in the spec). */",
    `export const SBCP_DESCRIPTOR: INamespace = ${json};`,
    "",
  ].join("\n");
}
