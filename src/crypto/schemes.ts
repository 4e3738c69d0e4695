/** Picks a {@link SignatureScheme} by the name a scenario gives. */
import { createNativeEd25519 } from "./ed25519-native.js";
import { createNobleEd25519 } from "./ed25519-noble.js";
import { createSimSignatureScheme } from "./sim-signature.js";
import type { SignatureScheme, SignatureSchemeName } from "./signature.js";

/** A new instance of the named scheme (the sim scheme's key registry is per instance). */
export function createSignatureScheme(name: SignatureSchemeName): SignatureScheme {
  switch (name) {
    case "ed25519":
      return createNobleEd25519();
    case "ed25519-native":
      return createNativeEd25519();
    case "sim":
      return createSimSignatureScheme();
  }
}
