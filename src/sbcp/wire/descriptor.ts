/**
 * GENERATED from proto/sbcp/*.proto by `node dist/proto/generate-descriptor.js`
 * (npm run build:proto); do not edit. The JSON form of the SBCP, SCP, envelope and
 * ledger messages, loaded with protobufjs `Root.fromJSON` (no file IO at run time).
 */
import type { INamespace } from "protobufjs/light.js";

/** The parsed `.proto` files (protobufjs JSON descriptor, field names as in the spec). */
export const SBCP_DESCRIPTOR: INamespace = {
  "nested": {
    "sbcp": {
      "nested": {
        "L2BlockRequest": {
          "fields": {
            "ChainID": {
              "type": "bytes",
              "id": 1
            },
            "BlockNumber": {
              "type": "uint64",
              "id": 2
            },
            "ParentHash": {
              "type": "bytes",
              "id": 3
            }
          }
        },
        "StartSlot": {
          "fields": {
            "Slot": {
              "type": "uint64",
              "id": 1
            },
            "NextSuperblockNumber": {
              "type": "uint64",
              "id": 2
            },
            "LastSuperblockHash": {
              "type": "bytes",
              "id": 3
            },
            "L2BlocksRequest": {
              "rule": "repeated",
              "type": "L2BlockRequest",
              "id": 4
            }
          }
        },
        "RequestSeal": {
          "fields": {
            "Slot": {
              "type": "uint64",
              "id": 1
            },
            "IncludedxTs": {
              "rule": "repeated",
              "type": "bytes",
              "id": 2
            }
          }
        },
        "RollBackAndStartSlot": {
          "fields": {
            "L2BlocksRequest": {
              "rule": "repeated",
              "type": "L2BlockRequest",
              "id": 1
            },
            "CurrentSlot": {
              "type": "uint64",
              "id": 2
            },
            "NextSuperblockNumber": {
              "type": "uint64",
              "id": 3
            },
            "LastSuperblockHash": {
              "type": "bytes",
              "id": 4
            }
          }
        },
        "L2Block": {
          "fields": {
            "Slot": {
              "type": "uint64",
              "id": 1
            },
            "ChainID": {
              "type": "bytes",
              "id": 2
            },
            "BlockNumber": {
              "type": "uint64",
              "id": 3
            },
            "BlockHash": {
              "type": "bytes",
              "id": 4
            },
            "ParentBlockHash": {
              "type": "bytes",
              "id": 5
            },
            "IncludedxTs": {
              "rule": "repeated",
              "type": "bytes",
              "id": 6
            },
            "Block": {
              "type": "bytes",
              "id": 7
            }
          }
        },
        "xTRequest": {
          "fields": {
            "Transactions": {
              "rule": "repeated",
              "type": "TransactionRequest",
              "id": 1
            }
          }
        },
        "TransactionRequest": {
          "fields": {
            "ChainID": {
              "type": "uint32",
              "id": 1
            },
            "Transaction": {
              "rule": "repeated",
              "type": "bytes",
              "id": 2
            }
          }
        },
        "StartSC": {
          "fields": {
            "Slot": {
              "type": "uint64",
              "id": 1
            },
            "xTSequenceNumber": {
              "type": "uint64",
              "id": 2
            },
            "xTRequest": {
              "type": "xTRequest",
              "id": 3
            },
            "xTid": {
              "type": "bytes",
              "id": 4
            }
          }
        },
        "CIRCMessage": {
          "fields": {
            "SourceChainID": {
              "type": "uint32",
              "id": 1
            },
            "DestinationChainID": {
              "type": "uint32",
              "id": 2
            },
            "Source": {
              "rule": "repeated",
              "type": "bytes",
              "id": 3
            },
            "Receiver": {
              "rule": "repeated",
              "type": "bytes",
              "id": 4
            },
            "SessionID": {
              "type": "uint32",
              "id": 5
            },
            "Label": {
              "type": "string",
              "id": 6
            },
            "Data": {
              "rule": "repeated",
              "type": "bytes",
              "id": 7
            },
            "xTid": {
              "type": "bytes",
              "id": 8
            },
            "Slot": {
              "type": "uint64",
              "id": 9
            }
          }
        },
        "Vote": {
          "fields": {
            "SenderChain": {
              "type": "bytes",
              "id": 1
            },
            "xTid": {
              "type": "bytes",
              "id": 2
            },
            "Vote": {
              "type": "bool",
              "id": 3
            },
            "Slot": {
              "type": "uint64",
              "id": 4
            }
          }
        },
        "Decided": {
          "fields": {
            "xTid": {
              "type": "bytes",
              "id": 1
            },
            "Decision": {
              "type": "bool",
              "id": 2
            },
            "Slot": {
              "type": "uint64",
              "id": 3
            }
          }
        },
        "LocalTransaction": {
          "fields": {
            "Transaction": {
              "type": "bytes",
              "id": 1
            }
          }
        },
        "SbcpMessage": {
          "oneofs": {
            "payload": {
              "oneof": [
                "StartSlot",
                "RequestSeal",
                "RollBackAndStartSlot",
                "L2Block",
                "L2BlockRequest",
                "StartSC",
                "CIRCMessage",
                "Vote",
                "Decided",
                "xTRequest",
                "LocalTransaction"
              ]
            }
          },
          "fields": {
            "StartSlot": {
              "type": "StartSlot",
              "id": 1
            },
            "RequestSeal": {
              "type": "RequestSeal",
              "id": 2
            },
            "RollBackAndStartSlot": {
              "type": "RollBackAndStartSlot",
              "id": 3
            },
            "L2Block": {
              "type": "L2Block",
              "id": 4
            },
            "L2BlockRequest": {
              "type": "L2BlockRequest",
              "id": 5
            },
            "StartSC": {
              "type": "StartSC",
              "id": 6
            },
            "CIRCMessage": {
              "type": "CIRCMessage",
              "id": 7
            },
            "Vote": {
              "type": "Vote",
              "id": 8
            },
            "Decided": {
              "type": "Decided",
              "id": 9
            },
            "xTRequest": {
              "type": "xTRequest",
              "id": 10
            },
            "LocalTransaction": {
              "type": "LocalTransaction",
              "id": 11
            }
          }
        },
        "Transfer": {
          "fields": {
            "From": {
              "type": "bytes",
              "id": 1
            },
            "To": {
              "type": "bytes",
              "id": 2
            },
            "Asset": {
              "type": "string",
              "id": 3
            },
            "Amount": {
              "type": "uint64",
              "id": 4
            },
            "Nonce": {
              "type": "uint64",
              "id": 5
            }
          }
        },
        "MailboxSend": {
          "fields": {
            "DestinationChainID": {
              "type": "uint32",
              "id": 1
            },
            "From": {
              "type": "bytes",
              "id": 2
            },
            "To": {
              "type": "bytes",
              "id": 3
            },
            "Asset": {
              "type": "string",
              "id": 4
            },
            "Amount": {
              "type": "uint64",
              "id": 5
            },
            "SessionID": {
              "type": "uint32",
              "id": 6
            }
          }
        },
        "MailboxReceive": {
          "fields": {
            "SourceChainID": {
              "type": "uint32",
              "id": 1
            },
            "To": {
              "type": "bytes",
              "id": 2
            },
            "Asset": {
              "type": "string",
              "id": 3
            },
            "Amount": {
              "type": "uint64",
              "id": 4
            },
            "SessionID": {
              "type": "uint32",
              "id": 5
            }
          }
        },
        "LedgerTx": {
          "oneofs": {
            "op": {
              "oneof": [
                "Transfer",
                "MailboxSend",
                "MailboxReceive",
                "MailboxPopulate"
              ]
            }
          },
          "fields": {
            "Transfer": {
              "type": "Transfer",
              "id": 1
            },
            "MailboxSend": {
              "type": "MailboxSend",
              "id": 2
            },
            "MailboxReceive": {
              "type": "MailboxReceive",
              "id": 3
            },
            "MailboxPopulate": {
              "type": "MailboxPopulate",
              "id": 4
            }
          }
        },
        "MailboxPopulate": {
          "fields": {
            "SourceChainID": {
              "type": "uint32",
              "id": 1
            },
            "Source": {
              "rule": "repeated",
              "type": "bytes",
              "id": 2
            },
            "Receiver": {
              "rule": "repeated",
              "type": "bytes",
              "id": 3
            },
            "SessionID": {
              "type": "uint32",
              "id": 4
            },
            "Label": {
              "type": "string",
              "id": 5
            },
            "Data": {
              "rule": "repeated",
              "type": "bytes",
              "id": 6
            },
            "xTid": {
              "type": "bytes",
              "id": 7
            }
          }
        },
        "LedgerBlock": {
          "fields": {
            "Transactions": {
              "rule": "repeated",
              "type": "bytes",
              "id": 1
            },
            "StateRoot": {
              "type": "bytes",
              "id": 2
            }
          }
        }
      }
    }
  }
};
