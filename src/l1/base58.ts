/**
 * Base58 (the Bitcoin alphabet, as Solana uses for addresses, signatures and
 * blockhashes). Small and strict: decoding rejects any character outside the
 * alphabet, so a string from the network either decodes or is refused.
 */

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i;

/** Base58 text of `bytes` (leading zero bytes become leading `1`s). */
export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // log(256) / log(58) < 1.37: the digit buffer never overflows.
  const digits = new Uint8Array(Math.ceil(((bytes.length - zeros) * 137) / 100) + 1);
  let length = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits[length++] = carry % 58;
      carry = Math.floor(carry / 58);
    }
  }
  let out = "1".repeat(zeros);
  for (let j = length - 1; j >= 0; j--) out += ALPHABET[digits[j]!];
  return out;
}

/**
 * Bytes of a base58 string, or `undefined` when `text` has a character outside
 * the alphabet or decodes to more than `maxLength` bytes.
 */
export function base58Decode(text: string, maxLength = 1024): Uint8Array | undefined {
  let zeros = 0;
  while (zeros < text.length && text.charCodeAt(zeros) === 49) zeros++;
  if (zeros > maxLength) return undefined;
  const bytes = new Uint8Array(Math.ceil(((text.length - zeros) * 733) / 1000) + 1);
  let length = 0;
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? DIGIT_OF[code]! : -1;
    if (digit < 0) return undefined;
    let carry = digit;
    for (let j = 0; j < length; j++) {
      carry += bytes[j]! * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes[length++] = carry & 0xff;
      carry >>= 8;
    }
    if (zeros + length > maxLength) return undefined;
  }
  const out = new Uint8Array(zeros + length);
  for (let j = 0; j < length; j++) out[zeros + j] = bytes[length - 1 - j]!;
  return out;
}

/** The 32 bytes of a base58 address, or `undefined` when `text` is not exactly that. */
export function decodeAddress(text: string): Uint8Array | undefined {
  if (text.length > 44) return undefined;
  const bytes = base58Decode(text, 32);
  return bytes !== undefined && bytes.length === 32 ? bytes : undefined;
}

/** The 64 bytes of a base58 signature, or `undefined` when `text` is not exactly that. */
export function decodeSignature(text: string): Uint8Array | undefined {
  if (text.length > 88) return undefined;
  const bytes = base58Decode(text, 64);
  return bytes !== undefined && bytes.length === 64 ? bytes : undefined;
}
