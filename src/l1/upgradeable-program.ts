/**
 * A program deployed with the upgradeable loader
 * (`BPFLoaderUpgradeab1e11111111111111111111111`), as `solana program deploy`
 * leaves it: a program account holding `UpgradeableLoaderState::Program {
 * programdata_address }` and a ProgramData account at
 * `find_program_address([program_id], loader)` holding
 * `UpgradeableLoaderState::ProgramData { slot, upgrade_authority_address }`
 * followed by the ELF. Layouts: bincode of `UpgradeableLoaderState`
 * (solana-loader-v3-interface `state.rs`: a u32 tag, 2 = Program,
 * 3 = ProgramData; `Option<Pubkey>` as a u8 tag and 32 bytes).
 *
 * The AssetRollup program's `initialize` reads the ProgramData account to
 * check that its signer is the upgrade authority, so the L1 (litesvm) and the
 * bankrun tests deploy it this way, with an upgrade authority.
 */
import { base58Encode, decodeAddress } from "./base58.js";
import { web3 } from "./solana-modules.js";

/** The upgradeable loader's id, base58. */
export const UPGRADEABLE_LOADER_ID = "BPFLoaderUpgradeab1e11111111111111111111111";

/** Bytes of the ProgramData header before the ELF: tag u32, slot u64, option tag u8, authority 32. */
export const PROGRAM_DATA_HEADER_BYTES = 45;
/** Bytes of a program account: tag u32, programdata address 32. */
export const PROGRAM_ACCOUNT_BYTES = 36;

const TAG_PROGRAM = 2;
const TAG_PROGRAM_DATA = 3;

/** Rent-exempt minimum of an account of `dataBytes` bytes, lamports (the default rent: 3,480 lamports per byte-year, 2 years, 128 bytes of overhead). */
export function rentExemptLamports(dataBytes: number): bigint {
  return BigInt(128 + dataBytes) * 3480n * 2n;
}

/**
 * The ProgramData address of `programId` (base58 both): the PDA
 * `[program_id]` of the upgradeable loader.
 * @throws RangeError when `programId` is not base58 of 32 bytes
 */
export function programDataAddress(programId: string): string {
  return base58Encode(programDataAddressBytes(addressBytes(programId)));
}

function programDataAddressBytes(programId: Uint8Array): Uint8Array {
  const { PublicKey } = web3();
  return PublicKey.findProgramAddressSync([programId], new PublicKey(UPGRADEABLE_LOADER_ID))[0].toBytes();
}

/** The two accounts of an upgradeable deployment (data only; lamports are the rent-exempt minimum). */
export interface UpgradeableDeployment {
  /** Base58 address and data of the program account (executable). */
  readonly program: { readonly address: string; readonly data: Uint8Array };
  /** Base58 address and data of the ProgramData account (header, then the ELF). */
  readonly programData: { readonly address: string; readonly data: Uint8Array };
}

/**
 * The accounts of `elf` deployed at `programId` at `slot`, upgradeable by
 * `upgradeAuthority` (base58), or immutable when it is null.
 * @throws RangeError when an address is not base58 of 32 bytes or the slot is not a u64
 */
export function upgradeableDeployment(programId: string, elf: Uint8Array, upgradeAuthority: string | null, slot = 0n): UpgradeableDeployment {
  if (slot < 0n || slot >> 64n !== 0n) throw new RangeError(`slot ${slot} is not a u64`);
  const programDataKey = programDataAddressBytes(addressBytes(programId));
  const program = new Uint8Array(PROGRAM_ACCOUNT_BYTES);
  new DataView(program.buffer).setUint32(0, TAG_PROGRAM, true);
  program.set(programDataKey, 4);
  return { program: { address: programId, data: program }, programData: { address: base58Encode(programDataKey), data: programDataBytes(elf, upgradeAuthority, slot) } };
}

/** The ProgramData account's data: the header naming `upgradeAuthority` (null: none), then `elf`. */
export function programDataBytes(elf: Uint8Array, upgradeAuthority: string | null, slot = 0n): Uint8Array {
  const data = new Uint8Array(PROGRAM_DATA_HEADER_BYTES + elf.length);
  const view = new DataView(data.buffer);
  view.setUint32(0, TAG_PROGRAM_DATA, true);
  view.setBigUint64(4, slot, true);
  if (upgradeAuthority !== null) {
    data[12] = 1;
    data.set(addressBytes(upgradeAuthority), 13);
  }
  data.set(elf, PROGRAM_DATA_HEADER_BYTES);
  return data;
}

/** The upgrade authority a ProgramData account's data names (base58), null when none, undefined when it is not ProgramData. */
export function upgradeAuthorityOf(data: Uint8Array): string | null | undefined {
  if (data.length < PROGRAM_DATA_HEADER_BYTES) return undefined;
  if (new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true) !== TAG_PROGRAM_DATA) return undefined;
  return data[12] === 1 ? base58Encode(data.slice(13, 45)) : null;
}

function addressBytes(address: string): Uint8Array {
  const bytes = decodeAddress(address);
  if (bytes === undefined) throw new RangeError(`${JSON.stringify(address)} is not a base58 32-byte address`);
  return bytes;
}
