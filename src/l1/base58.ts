/**
 * Base58 (the Bitcoin alphabet, as Solana uses for addresses, signatures and
 * blockhashes). Small and strict: decoding rejects any character outside the
 * alphabet, so a string from the network either decodes or is refused.
 */

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i;

/** 58^5: the encoder works on limbs of five base58 digits. */
const LIMB = 656_356_768;

/**
 * Base58 text of `bytes` (leading zero bytes become leading `1`s).
 *
 * Schoolbook base conversion on limbs of five digits, two input bytes at a
 * time (a limb times 65536 plus a carry stays below 2^53): about 10x fewer
 * steps than digit by digit, which matters because every transaction's
 * signature and blockhash go through here.
 */
export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const limbs: number[] = [];
  let i = zeros;
  // An odd count of significant bytes: take the first one alone.
  if ((bytes.length - zeros) % 2 === 1) {
    limbs.push(bytes[i]!);
    i++;
  }
  for (; i < bytes.length; i += 2) {
    let carry = (bytes[i]! << 8) | bytes[i + 1]!;
    for (let j = 0; j < limbs.length; j++) {
      const value = limbs[j]! * 65_536 + carry;
      carry = Math.floor(value / LIMB);
      limbs[j] = value - carry * LIMB;
    }
    while (carry > 0) {
      const next = Math.floor(carry / LIMB);
      limbs.push(carry - next * LIMB);
      carry = next;
    }
  }
  let digits = "";
  for (let j = 0; j < limbs.length; j++) {
    let limb = limbs[j]!;
    const last = j === limbs.length - 1;
    for (let k = 0; k < 5 && (!last || limb > 0); k++) {
      digits = ALPHABET[limb % 58]! + digits;
      limb = Math.floor(limb / 58);
    }
  }
  return "1".repeat(zeros) + digits;
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
