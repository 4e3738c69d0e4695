/*
 * The program's error codes (idl.json "errors", Anchor's convention of custom
 * codes from 6000). The entrypoint returns the code itself, which the runtime
 * reports as `custom program error: 0x1770` and so on. Before returning, the
 * program logs the same line an Anchor program would,
 *   "AnchorError occurred. Error Code: <Name>. Error Number: <n>. Error Message: <msg>."
 * so that @coral-xyz/anchor's client turns a failure into an AnchorError
 * carrying the name from the logs.
 */
#ifndef ASSET_ROLLUP_ERRORS_H
#define ASSET_ROLLUP_ERRORS_H

#include "solana_abi.h"

#define SUCCESS 0u
#define ERROR_UNAUTHORIZED 6000u
#define ERROR_POSTING_PAUSED 6001u
#define ERROR_HEIGHT_NOT_NEXT 6002u
#define ERROR_ALREADY_INITIALIZED 6003u
#define ERROR_INVALID_PDA 6004u
#define ERROR_INVALID_OWNER 6005u
#define ERROR_INVALID_DISCRIMINATOR 6006u
#define ERROR_INVALID_INSTRUCTION_DATA 6007u
#define ERROR_ACCOUNT_NOT_WRITABLE 6008u
#define ERROR_MISSING_SIGNER 6009u
#define ERROR_ARITHMETIC_OVERFLOW 6010u
#define ERROR_NOT_ENOUGH_ACCOUNTS 6011u
#define ERROR_NO_PENDING_AUTHORITY 6012u
#define ERROR_ALREADY_PAUSED 6013u
#define ERROR_NOT_PAUSED 6014u
#define ERROR_INVALID_SYSTEM_PROGRAM 6015u
#define ERROR_INVALID_ACCOUNT_SIZE 6016u

#define ANCHOR_ERROR_PREFIX "AnchorError occurred. Error Code: "

/* Logs the Anchor-style line for a custom error code (nothing for others). */
static void log_error(uint64_t code) {
  switch (code) {
    case ERROR_UNAUTHORIZED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "Unauthorized. Error Number: 6000. Error Message: "
                                      "The signer is not the authority for this instruction.");
      break;
    case ERROR_POSTING_PAUSED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "PostingPaused. Error Number: 6001. Error Message: "
                                      "Batch posting is paused.");
      break;
    case ERROR_HEIGHT_NOT_NEXT:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "HeightNotNext. Error Number: 6002. Error Message: "
                                      "Batch height must be last_batch_height + 1.");
      break;
    case ERROR_ALREADY_INITIALIZED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "AlreadyInitialized. Error Number: 6003. Error Message: "
                                      "The rollup config already exists.");
      break;
    case ERROR_INVALID_PDA:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "InvalidPda. Error Number: 6004. Error Message: "
                                      "Account is not the expected program-derived address.");
      break;
    case ERROR_INVALID_OWNER:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "InvalidOwner. Error Number: 6005. Error Message: "
                                      "Account is not owned by the expected program.");
      break;
    case ERROR_INVALID_DISCRIMINATOR:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX
                  "InvalidDiscriminator. Error Number: 6006. Error Message: "
                  "Account data does not start with the expected discriminator.");
      break;
    case ERROR_INVALID_INSTRUCTION_DATA:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX
                  "InvalidInstructionData. Error Number: 6007. Error Message: "
                  "Instruction data has the wrong length or an unknown discriminator.");
      break;
    case ERROR_ACCOUNT_NOT_WRITABLE:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "AccountNotWritable. Error Number: 6008. Error Message: "
                                      "An account that must be writable is not.");
      break;
    case ERROR_MISSING_SIGNER:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "MissingSigner. Error Number: 6009. Error Message: "
                                      "An account that must sign did not.");
      break;
    case ERROR_ARITHMETIC_OVERFLOW:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "ArithmeticOverflow. Error Number: 6010. Error Message: "
                                      "Arithmetic overflow.");
      break;
    case ERROR_NOT_ENOUGH_ACCOUNTS:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "NotEnoughAccounts. Error Number: 6011. Error Message: "
                                      "Fewer accounts than the instruction needs.");
      break;
    case ERROR_NO_PENDING_AUTHORITY:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "NoPendingAuthority. Error Number: 6012. Error Message: "
                                      "No pending upgrade authority to accept.");
      break;
    case ERROR_ALREADY_PAUSED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "AlreadyPaused. Error Number: 6013. Error Message: "
                                      "Posting is already paused.");
      break;
    case ERROR_NOT_PAUSED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "NotPaused. Error Number: 6014. Error Message: "
                                      "Posting is not paused.");
      break;
    case ERROR_INVALID_SYSTEM_PROGRAM:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX
                  "InvalidSystemProgram. Error Number: 6015. Error Message: "
                  "The system program account is not the system program.");
      break;
    case ERROR_INVALID_ACCOUNT_SIZE:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "InvalidAccountSize. Error Number: 6016. Error Message: "
                                      "Account data has the wrong size.");
      break;
    default:
      break;
  }
}

#endif
