//! Every error text oxidis sends, in one place. They are Redis's, byte for
//! byte: clients and Redis's own test suite match on them.

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const SYNTAX: &str = "ERR syntax error";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
pub const INCR_NAN_INF: &str = "ERR increment would produce NaN or Infinity";
pub const NO_SUCH_KEY: &str = "ERR no such key";
pub const DB_INDEX: &str = "ERR DB index is out of range";
pub const INVALID_CURSOR: &str = "ERR invalid cursor";
pub const NOAUTH: &str = "NOAUTH Authentication required.";
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
pub const AUTH_NOPASS: &str =
    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
pub const INVALID_EXPIRE: &str = "ERR invalid expire time in '{}' command";
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
pub const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
pub const BIT_VALUE: &str = "ERR bit is not an integer or out of range";
pub const OFFSET_RANGE: &str = "ERR offset is out of range";
pub const TIMEOUT_NEG: &str = "ERR timeout is negative";
pub const HELLO_PROTO: &str = "NOPROTO unsupported protocol version";

/// `ERR invalid expire time in 'set' command`
pub fn invalid_expire(cmd: &str) -> String {
    INVALID_EXPIRE.replace("{}", cmd)
}

/// `ERR wrong number of arguments for 'get' command`
pub fn arity(fullname: &str) -> String {
    format!("ERR wrong number of arguments for '{}' command", fullname)
}

// Bitmap commands (SETBIT, BITPOS, BITOP, BITFIELD).
pub const BIT_ARG: &str = "ERR The bit argument must be 1 or 0.";
pub const BITOP_NOT: &str = "ERR BITOP NOT must be called with a single source key.";
pub const BITFIELD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
pub const BITFIELD_OVERFLOW: &str = "ERR Invalid OVERFLOW type specified";
pub const BITFIELD_RO: &str = "ERR BITFIELD_RO only supports the GET subcommand";
/// Growing a string failed because memory could not be allocated (Redis
/// would abort; we refuse the one command instead).
pub const STRING_ALLOC: &str = "ERR out of memory growing the string";

// Sorted set commands.
pub const ZRANGE_NOT_FLOAT: &str = "ERR min or max is not a float";
pub const ZRANGE_NOT_LEX: &str = "ERR min or max not valid string range item";
pub const ZSCORE_NAN: &str = "ERR resulting score is not a number (NaN)";
pub const ZADD_NX_XX: &str = "ERR XX and NX options at the same time are not compatible";
pub const ZADD_GT_LT_NX: &str = "ERR GT, LT, and/or NX options at the same time are not compatible";
pub const ZADD_INCR_PAIRS: &str = "ERR INCR option supports a single increment-element pair";
pub const ZRANGE_LIMIT_RANK: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
pub const ZRANGE_WITHSCORES_LEX: &str = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
pub const POSITIVE_RANGE: &str = "ERR value is out of range, must be positive";
pub const NUMKEYS_POSITIVE: &str = "ERR numkeys should be greater than 0";
pub const COUNT_POSITIVE: &str = "ERR count should be greater than 0";
pub const WEIGHT_NOT_FLOAT: &str = "ERR weight value is not a float";
pub const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";
pub const VALUE_OUT_OF_RANGE: &str = "ERR value is out of range";
pub const ZRANDMEMBER_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

// List commands and blocking operations.
pub const INDEX_OUT_OF_RANGE: &str = "ERR index out of range";
pub const LPOS_RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
pub const LPOS_COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
pub const LPOS_MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";
pub const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
pub const UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

// Hash commands.
pub const HASH_NOT_INTEGER: &str = "ERR hash value is not an integer";
pub const HASH_NOT_FLOAT: &str = "ERR hash value is not a float";
pub const NAN_OR_INFINITY: &str = "ERR value is NaN or Infinity";

// Set commands.
pub const NUMKEYS_EXCEED_ARGS: &str = "ERR Number of keys can't be greater than number of args";

// SORT.
pub const SORT_NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";
// Scripting.
pub const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";

// Persistence (SAVE, BGSAVE, DUMP/RESTORE, MISCONF).
pub const BGSAVE_IN_PROGRESS: &str = "ERR Background save already in progress";
pub const BGSAVE_CHILD_ACTIVE: &str = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
pub const MIGRATE_KEYS_EMPTY: &str =
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
pub const MIGRATE_CONNECT: &str = "IOERR error or timeout connecting to the client";
pub const MIGRATE_WRITE: &str = "IOERR error or timeout writing to target instance";
pub const MIGRATE_READ: &str = "IOERR error or timeout reading to target instance";
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
pub const DUMP_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
pub const BAD_DATA_FORMAT: &str = "ERR Bad data format";
pub const RESTORE_TTL: &str = "ERR Invalid TTL value, must be >= 0";
pub const RESTORE_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
pub const RESTORE_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";
pub const MISCONF_RDB: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

// Memory.
/// A denyoom command while over `maxmemory` with nothing evictable.
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
pub const FREQ_WITHOUT_LFU: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
pub const IDLETIME_UNDER_LFU: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
// Server state checks.
pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";

// Transactions.
pub const EXEC_WITHOUT_MULTI: &str = "ERR EXEC without MULTI";
pub const DISCARD_WITHOUT_MULTI: &str = "ERR DISCARD without MULTI";
pub const MULTI_NESTED: &str = "ERR MULTI calls can not be nested";
pub const WATCH_IN_MULTI: &str = "ERR WATCH inside MULTI is not allowed";
pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";
pub const NOT_IN_MULTI: &str = "ERR Command not allowed inside a transaction";
pub const MONITOR_DENY_BLOCKING: &str = "ERR MONITOR isn't allowed for DENY BLOCKING client";

/// A protected command (DEBUG) while `enable-debug-command` forbids it.
pub fn protected_command(fullname: &str) -> String {
    format!(
        "ERR {} command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        fullname.to_uppercase()
    )
}
/// SSUBSCRIBE from a client that expects one reply per command (inside EXEC).
pub const SSUBSCRIBE_DENY_BLOCKING: &str = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client";
