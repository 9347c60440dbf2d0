//! Configuration: one table of directives, read by the config-file parser, by
//! `--directive value` arguments, and by `CONFIG GET/SET/REWRITE`.
//!
//! Every directive is declared once in [`directives!`] with its Redis name, its
//! aliases, its type, its default (written as Redis writes it) and its flags.
//! Values are stored typed; the server reads them through [`Config::int`],
//! [`Config::bool`], [`Config::str`] with the generated [`D`] identifiers.
//!
//! Directives whose feature oxidis does not have yet are still known (so real
//! configuration files load), but only at a value that keeps today's behaviour
//! (`daemonize no`); any other value is refused with a clear error
//! (flag `DEFAULT_ONLY`).

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::protocol::parser::split_args;
use crate::util::glob_match;

/// The Redis version oxidis reports and mimics.
pub const REDIS_VERSION: &str = "7.0.15";

/// How a directive's value is parsed and shown.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    /// Bytes, with k/kb/m/mb/g/gb units accepted on input.
    Mem {
        min: i64,
        max: i64,
    },
    /// Bytes as `Mem`, or a percentage of `maxmemory` written `N%` (stored
    /// negated, as Redis stores it): maxmemory-clients.
    MemOrPercent,
    /// Octal integer (unixsocketperm).
    Octal,
    Enum(&'static [&'static str]),
    Str,
    /// A space-separated list kept as given (bind, save, client-output-buffer-limit...).
    List,
}

pub const IMMUTABLE: u8 = 1;
/// Only the default value is accepted: the feature does not exist yet.
pub const DEFAULT_ONLY: u8 = 2;
/// Value never shown in logs (passwords).
pub const SENSITIVE: u8 = 4;
/// Accepted and stored; the feature itself arrives with a later part of oxidis.
pub const STORED_ONLY: u8 = 8;
/// `CONFIG SET` refuses it unless `enable-protected-configs` allows it.
pub const PROTECTED: u8 = 16;

pub struct Directive {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub default: &'static str,
    pub flags: u8,
}

/// A typed configuration value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Bool(bool),
    Int(i64),
    Str(String),
}

const YESNO_LOCAL: &[&str] = &["no", "yes", "local"];
const I64MAX: i64 = i64::MAX;
const IMAX: i64 = i32::MAX as i64;

macro_rules! directives {
    ($( $id:ident : $name:literal $([$($alias:literal),*])? => $kind:expr, $default:literal, $flags:expr; )*) => {
        /// Identifiers of every directive, in table order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub enum D { $($id),* }
        impl D {
            /// Every directive identifier, in table order.
            pub const ALL: &'static [D] = &[$(D::$id),*];
        }
        /// The directive table.
        pub static TABLE: &[Directive] = &[
            $( Directive { name: $name, aliases: &[$($($alias),*)?], kind: $kind, default: $default, flags: $flags } ),*
        ];
    };
}

use Kind::*;

#[rustfmt::skip]
directives! {
    // --- network and clients
    Port: "port" => Int { min: 0, max: 65535 }, "6379", 0;
    Bind: "bind" => List, "* -::*", 0;
    BindSourceAddr: "bind-source-addr" => Str, "", 0;
    ProtectedMode: "protected-mode" => Bool, "yes", 0;
    Unixsocket: "unixsocket" => Str, "", IMMUTABLE;
    Unixsocketperm: "unixsocketperm" => Octal, "0", IMMUTABLE;
    TcpBacklog: "tcp-backlog" => Int { min: 0, max: IMAX }, "511", IMMUTABLE;
    TcpKeepalive: "tcp-keepalive" => Int { min: 0, max: IMAX }, "300", 0;
    Timeout: "timeout" => Int { min: 0, max: IMAX }, "0", 0;
    Maxclients: "maxclients" => Int { min: 1, max: IMAX }, "10000", 0;
    ProtoMaxBulkLen: "proto-max-bulk-len" => Mem { min: 1024 * 1024, max: I64MAX }, "536870912", 0;
    ClientQueryBufferLimit: "client-query-buffer-limit" => Mem { min: 1024 * 1024, max: I64MAX }, "1073741824", 0;
    ClientOutputBufferLimit: "client-output-buffer-limit" => List, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", 0;
    Requirepass: "requirepass" => Str, "", SENSITIVE;
    Databases: "databases" => Int { min: 1, max: IMAX }, "16", IMMUTABLE;
    IoThreads: "io-threads" => Int { min: 1, max: 128 }, "1", IMMUTABLE;
    IoThreadsDoReads: "io-threads-do-reads" => Bool, "no", IMMUTABLE;
    TlsPort: "tls-port" => Int { min: 0, max: 65535 }, "0", DEFAULT_ONLY;
    // --- general
    Daemonize: "daemonize" => Bool, "no", DEFAULT_ONLY | IMMUTABLE;
    Supervised: "supervised" => Enum(&["upstart", "systemd", "auto", "no"]), "no", IMMUTABLE;
    Pidfile: "pidfile" => Str, "", IMMUTABLE;
    Loglevel: "loglevel" => Enum(&["debug", "verbose", "notice", "warning", "nothing"]), "notice", 0;
    Logfile: "logfile" => Str, "", IMMUTABLE;
    SyslogEnabled: "syslog-enabled" => Bool, "no", IMMUTABLE | STORED_ONLY;
    SyslogIdent: "syslog-ident" => Str, "redis", IMMUTABLE | STORED_ONLY;
    SyslogFacility: "syslog-facility" => Enum(&["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"]), "local0", IMMUTABLE | STORED_ONLY;
    CrashLogEnabled: "crash-log-enabled" => Bool, "yes", STORED_ONLY;
    CrashMemcheckEnabled: "crash-memcheck-enabled" => Bool, "yes", STORED_ONLY;
    UseExitOnPanic: "use-exit-on-panic" => Bool, "no", STORED_ONLY;
    AlwaysShowLogo: "always-show-logo" => Bool, "no", IMMUTABLE;
    SetProcTitle: "set-proc-title" => Bool, "yes", IMMUTABLE | STORED_ONLY;
    ProcTitleTemplate: "proc-title-template" => Str, "{title} {listen-addr} {server-mode}", STORED_ONLY;
    Dir: "dir" => Str, "", 0;
    Hz: "hz" => Int { min: 0, max: IMAX }, "10", 0;
    DynamicHz: "dynamic-hz" => Bool, "yes", STORED_ONLY;
    Activerehashing: "activerehashing" => Bool, "yes", 0;
    ActiveExpireEffort: "active-expire-effort" => Int { min: 1, max: 10 }, "1", 0;
    EnableProtectedConfigs: "enable-protected-configs" => Enum(YESNO_LOCAL), "no", IMMUTABLE;
    EnableDebugCommand: "enable-debug-command" => Enum(YESNO_LOCAL), "no", IMMUTABLE;
    EnableModuleCommand: "enable-module-command" => Enum(YESNO_LOCAL), "no", IMMUTABLE;
    IgnoreWarnings: "ignore-warnings" => Str, "", STORED_ONLY;
    DisableThp: "disable-thp" => Bool, "yes", IMMUTABLE | STORED_ONLY;
    OomScoreAdj: "oom-score-adj" => Enum(&["no", "yes", "relative", "absolute"]), "no", STORED_ONLY;
    OomScoreAdjValues: "oom-score-adj-values" => List, "0 200 800", STORED_ONLY;
    ShutdownTimeout: "shutdown-timeout" => Int { min: 0, max: IMAX }, "10", 0;
    ShutdownOnSigint: "shutdown-on-sigint" => Enum(&["default", "save", "nosave", "now", "force"]), "default", 0;
    ShutdownOnSigterm: "shutdown-on-sigterm" => Enum(&["default", "save", "nosave", "now", "force"]), "default", 0;
    LocaleCollate: "locale-collate" => Str, "", STORED_ONLY;
    JemallocBgThread: "jemalloc-bg-thread" => Bool, "yes", 0;
    ServerCpulist: "server_cpulist" => Str, "", IMMUTABLE | STORED_ONLY;
    BioCpulist: "bio_cpulist" => Str, "", IMMUTABLE | STORED_ONLY;
    AofRewriteCpulist: "aof_rewrite_cpulist" => Str, "", IMMUTABLE | STORED_ONLY;
    BgsaveCpulist: "bgsave_cpulist" => Str, "", IMMUTABLE | STORED_ONLY;
    WatchdogPeriod: "watchdog-period" => Int { min: 0, max: IMAX }, "0", STORED_ONLY;
    // --- introspection
    SlowlogLogSlowerThan: "slowlog-log-slower-than" => Int { min: -1, max: I64MAX }, "10000", 0;
    SlowlogMaxLen: "slowlog-max-len" => Int { min: 0, max: I64MAX }, "128", 0;
    LatencyMonitorThreshold: "latency-monitor-threshold" => Int { min: 0, max: I64MAX }, "0", STORED_ONLY;
    LatencyTracking: "latency-tracking" => Bool, "yes", 0;
    LatencyTrackingInfoPercentiles: "latency-tracking-info-percentiles" => List, "50 99 99.9", 0;
    NotifyKeyspaceEvents: "notify-keyspace-events" => Str, "", 0;
    TrackingTableMaxKeys: "tracking-table-max-keys" => Int { min: 0, max: I64MAX }, "1000000", 0;
    // --- memory
    Maxmemory: "maxmemory" => Mem { min: 0, max: I64MAX }, "0", 0;
    MaxmemoryPolicy: "maxmemory-policy" => Enum(&["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"]), "noeviction", 0;
    MaxmemorySamples: "maxmemory-samples" => Int { min: 1, max: 64 }, "5", 0;
    MaxmemoryEvictionTenacity: "maxmemory-eviction-tenacity" => Int { min: 0, max: 100 }, "10", 0;
    MaxmemoryClients: "maxmemory-clients" => MemOrPercent, "0", 0;
    LfuLogFactor: "lfu-log-factor" => Int { min: 0, max: IMAX }, "10", 0;
    LfuDecayTime: "lfu-decay-time" => Int { min: 0, max: IMAX }, "1", 0;
    LazyfreeLazyEviction: "lazyfree-lazy-eviction" => Bool, "no", 0;
    LazyfreeLazyExpire: "lazyfree-lazy-expire" => Bool, "no", 0;
    LazyfreeLazyServerDel: "lazyfree-lazy-server-del" => Bool, "no", 0;
    LazyfreeLazyUserDel: "lazyfree-lazy-user-del" => Bool, "no", 0;
    LazyfreeLazyUserFlush: "lazyfree-lazy-user-flush" => Bool, "no", 0;
    Activedefrag: "activedefrag" => Bool, "no", DEFAULT_ONLY;
    ActiveDefragIgnoreBytes: "active-defrag-ignore-bytes" => Mem { min: 1, max: I64MAX }, "104857600", STORED_ONLY;
    ActiveDefragThresholdLower: "active-defrag-threshold-lower" => Int { min: 0, max: 1000 }, "10", STORED_ONLY;
    ActiveDefragThresholdUpper: "active-defrag-threshold-upper" => Int { min: 0, max: 1000 }, "100", STORED_ONLY;
    ActiveDefragCycleMin: "active-defrag-cycle-min" => Int { min: 1, max: 99 }, "1", STORED_ONLY;
    ActiveDefragCycleMax: "active-defrag-cycle-max" => Int { min: 1, max: 99 }, "25", STORED_ONLY;
    ActiveDefragMaxScanFields: "active-defrag-max-scan-fields" => Int { min: 1, max: I64MAX }, "1000", STORED_ONLY;
    // --- data type encodings (the compact encodings arrive with the data types)
    HashMaxListpackEntries: "hash-max-listpack-entries" ["hash-max-ziplist-entries"] => Int { min: 0, max: I64MAX }, "128", STORED_ONLY;
    HashMaxListpackValue: "hash-max-listpack-value" ["hash-max-ziplist-value"] => Int { min: 0, max: I64MAX }, "64", STORED_ONLY;
    ListMaxListpackSize: "list-max-listpack-size" ["list-max-ziplist-size"] => Int { min: i32::MIN as i64, max: IMAX }, "-2", STORED_ONLY;
    ListCompressDepth: "list-compress-depth" => Int { min: 0, max: IMAX }, "0", STORED_ONLY;
    SetMaxIntsetEntries: "set-max-intset-entries" => Int { min: 0, max: I64MAX }, "512", STORED_ONLY;
    SetMaxListpackEntries: "set-max-listpack-entries" => Int { min: 0, max: I64MAX }, "128", STORED_ONLY;
    SetMaxListpackValue: "set-max-listpack-value" => Int { min: 0, max: I64MAX }, "64", STORED_ONLY;
    ZsetMaxListpackEntries: "zset-max-listpack-entries" ["zset-max-ziplist-entries"] => Int { min: 0, max: I64MAX }, "128", STORED_ONLY;
    ZsetMaxListpackValue: "zset-max-listpack-value" ["zset-max-ziplist-value"] => Int { min: 0, max: I64MAX }, "64", STORED_ONLY;
    HllSparseMaxBytes: "hll-sparse-max-bytes" => Mem { min: 0, max: I64MAX }, "3000", STORED_ONLY;
    StreamNodeMaxBytes: "stream-node-max-bytes" => Mem { min: 0, max: I64MAX }, "4096", STORED_ONLY;
    StreamNodeMaxEntries: "stream-node-max-entries" => Int { min: 0, max: I64MAX }, "100", STORED_ONLY;
    // --- scripting
    BusyReplyThreshold: "busy-reply-threshold" ["lua-time-limit"] => Int { min: 0, max: I64MAX }, "5000", 0;
    // --- persistence (src/persistence)
    Save: "save" => List, "3600 1 300 100 60 10000", 0;
    Dbfilename: "dbfilename" => Str, "dump.rdb", PROTECTED;
    Rdbcompression: "rdbcompression" => Bool, "yes", 0;
    Rdbchecksum: "rdbchecksum" => Bool, "yes", 0;
    RdbDelSyncFiles: "rdb-del-sync-files" => Bool, "no", STORED_ONLY;
    RdbSaveIncrementalFsync: "rdb-save-incremental-fsync" => Bool, "yes", STORED_ONLY;
    RdbKeySaveDelay: "rdb-key-save-delay" => Int { min: i32::MIN as i64, max: IMAX }, "0", 0;
    KeyLoadDelay: "key-load-delay" => Int { min: i32::MIN as i64, max: IMAX }, "0", 0;
    LoadingProcessEventsIntervalBytes: "loading-process-events-interval-bytes" => Mem { min: 1024, max: IMAX }, "2097152", 0;
    StopWritesOnBgsaveError: "stop-writes-on-bgsave-error" => Bool, "yes", 0;
    SanitizeDumpPayload: "sanitize-dump-payload" => Enum(&["no", "yes", "clients"]), "no", STORED_ONLY;
    Appendonly: "appendonly" => Bool, "no", 0;
    Appendfilename: "appendfilename" => Str, "appendonly.aof", IMMUTABLE;
    Appenddirname: "appenddirname" => Str, "appendonlydir", IMMUTABLE;
    Appendfsync: "appendfsync" => Enum(&["always", "everysec", "no"]), "everysec", 0;
    NoAppendfsyncOnRewrite: "no-appendfsync-on-rewrite" => Bool, "no", 0;
    AutoAofRewritePercentage: "auto-aof-rewrite-percentage" => Int { min: 0, max: IMAX }, "100", 0;
    AutoAofRewriteMinSize: "auto-aof-rewrite-min-size" => Mem { min: 0, max: I64MAX }, "67108864", 0;
    AofLoadTruncated: "aof-load-truncated" => Bool, "yes", 0;
    AofUseRdbPreamble: "aof-use-rdb-preamble" => Bool, "yes", 0;
    AofRewriteIncrementalFsync: "aof-rewrite-incremental-fsync" => Bool, "yes", STORED_ONLY;
    AofTimestampEnabled: "aof-timestamp-enabled" => Bool, "no", 0;
    AofDisableAutoGc: "aof-disable-auto-gc" => Bool, "no", 0;
    // --- replication (arrives with scale-out)
    Masterauth: "masterauth" => Str, "", SENSITIVE | STORED_ONLY;
    Masteruser: "masteruser" => Str, "", STORED_ONLY;
    ReplicaServeStaleData: "replica-serve-stale-data" ["slave-serve-stale-data"] => Bool, "yes", STORED_ONLY;
    ReplicaReadOnly: "replica-read-only" ["slave-read-only"] => Bool, "yes", STORED_ONLY;
    ReplicaIgnoreMaxmemory: "replica-ignore-maxmemory" ["slave-ignore-maxmemory"] => Bool, "yes", STORED_ONLY;
    ReplicaLazyFlush: "replica-lazy-flush" ["slave-lazy-flush"] => Bool, "no", STORED_ONLY;
    ReplicaPriority: "replica-priority" ["slave-priority"] => Int { min: 0, max: IMAX }, "100", STORED_ONLY;
    ReplicaAnnounced: "replica-announced" => Bool, "yes", STORED_ONLY;
    ReplicaAnnounceIp: "replica-announce-ip" ["slave-announce-ip"] => Str, "", STORED_ONLY;
    ReplicaAnnouncePort: "replica-announce-port" ["slave-announce-port"] => Int { min: 0, max: 65535 }, "0", STORED_ONLY;
    ReplDisklessSync: "repl-diskless-sync" => Bool, "yes", STORED_ONLY;
    ReplDisklessSyncDelay: "repl-diskless-sync-delay" => Int { min: 0, max: IMAX }, "5", STORED_ONLY;
    ReplDisklessSyncMaxReplicas: "repl-diskless-sync-max-replicas" => Int { min: 0, max: IMAX }, "0", STORED_ONLY;
    ReplDisklessLoad: "repl-diskless-load" => Enum(&["disabled", "on-empty-db", "swapdb"]), "disabled", STORED_ONLY;
    ReplDisableTcpNodelay: "repl-disable-tcp-nodelay" => Bool, "no", STORED_ONLY;
    ReplPingReplicaPeriod: "repl-ping-replica-period" ["repl-ping-slave-period"] => Int { min: 1, max: IMAX }, "10", STORED_ONLY;
    ReplTimeout: "repl-timeout" => Int { min: 1, max: IMAX }, "60", STORED_ONLY;
    ReplBacklogSize: "repl-backlog-size" => Mem { min: 1, max: I64MAX }, "1048576", STORED_ONLY;
    ReplBacklogTtl: "repl-backlog-ttl" => Int { min: 0, max: IMAX }, "3600", STORED_ONLY;
    MinReplicasToWrite: "min-replicas-to-write" ["min-slaves-to-write"] => Int { min: 0, max: IMAX }, "0", 0;
    MinReplicasMaxLag: "min-replicas-max-lag" ["min-slaves-max-lag"] => Int { min: 0, max: IMAX }, "10", 0;
    PropagationErrorBehavior: "propagation-error-behavior" => Enum(&["ignore", "panic", "panic-on-replicas"]), "ignore", STORED_ONLY;
    ReplicaIgnoreDiskWriteErrors: "replica-ignore-disk-write-errors" => Bool, "no", STORED_ONLY;
    // --- cluster (arrives with scale-out)
    ClusterEnabled: "cluster-enabled" => Bool, "no", DEFAULT_ONLY | IMMUTABLE;
    ClusterConfigFile: "cluster-config-file" => Str, "nodes.conf", IMMUTABLE | STORED_ONLY;
    ClusterNodeTimeout: "cluster-node-timeout" => Int { min: 0, max: I64MAX }, "15000", STORED_ONLY;
    ClusterPort: "cluster-port" => Int { min: 0, max: 65535 }, "0", IMMUTABLE | STORED_ONLY;
    ClusterAnnounceIp: "cluster-announce-ip" => Str, "", STORED_ONLY;
    ClusterAnnouncePort: "cluster-announce-port" => Int { min: 0, max: 65535 }, "0", STORED_ONLY;
    ClusterAnnounceBusPort: "cluster-announce-bus-port" => Int { min: 0, max: 65535 }, "0", STORED_ONLY;
    ClusterAnnounceTlsPort: "cluster-announce-tls-port" => Int { min: 0, max: 65535 }, "0", STORED_ONLY;
    ClusterRequireFullCoverage: "cluster-require-full-coverage" => Bool, "yes", STORED_ONLY;
    ClusterReplicaNoFailover: "cluster-replica-no-failover" ["cluster-slave-no-failover"] => Bool, "no", STORED_ONLY;
    ClusterReplicaValidityFactor: "cluster-replica-validity-factor" ["cluster-slave-validity-factor"] => Int { min: 0, max: IMAX }, "10", STORED_ONLY;
    ClusterMigrationBarrier: "cluster-migration-barrier" => Int { min: 0, max: IMAX }, "1", STORED_ONLY;
    ClusterAllowReplicaMigration: "cluster-allow-replica-migration" => Bool, "yes", STORED_ONLY;
    ClusterAllowReadsWhenDown: "cluster-allow-reads-when-down" => Bool, "no", STORED_ONLY;
    ClusterAllowPubsubshardWhenDown: "cluster-allow-pubsubshard-when-down" => Bool, "yes", STORED_ONLY;
    ClusterLinkSendbufLimit: "cluster-link-sendbuf-limit" => Mem { min: 0, max: I64MAX }, "0", STORED_ONLY;
    ClusterPreferredEndpointType: "cluster-preferred-endpoint-type" => Enum(&["ip", "hostname", "unknown-endpoint"]), "ip", STORED_ONLY;
    ClusterAnnounceHostname: "cluster-announce-hostname" => Str, "", STORED_ONLY;
    // --- security
    Aclfile: "aclfile" => Str, "", IMMUTABLE | STORED_ONLY;
    AclPubsubDefault: "acl-pubsub-default" => Enum(&["allchannels", "resetchannels"]), "resetchannels", STORED_ONLY;
    AcllogMaxLen: "acllog-max-len" => Int { min: 0, max: I64MAX }, "128", STORED_ONLY;
}

impl D {
    pub fn directive(self) -> &'static Directive {
        &TABLE[self as usize]
    }
}

/// The error of a rejected value; the text is Redis's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn err<T>(s: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(s.into()))
}

/// Parses `1gb`, `100mb`, `10k`, `512` into bytes (Redis's `memtoull`).
pub fn parse_memory(s: &str) -> Option<i64> {
    let lower = s.to_ascii_lowercase();
    let (num, mul): (&str, i64) = [
        ("gb", 1 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1_000),
        ("b", 1),
    ]
    .iter()
    .find_map(|(suf, mul)| lower.strip_suffix(suf).map(|n| (n, *mul)))
    .unwrap_or((lower.as_str(), 1));
    let n: i64 = num.parse().ok()?;
    if n < 0 && mul != 1 {
        return None;
    }
    n.checked_mul(mul)
}

/// Parses one value for `d` from its words.
fn parse_value(d: &Directive, args: &[String]) -> Result<Val, ConfigError> {
    let one = || -> Result<&str, ConfigError> {
        if args.len() != 1 {
            return err("wrong number of arguments");
        }
        Ok(args[0].as_str())
    };
    match d.kind {
        Bool => match one()?.to_ascii_lowercase().as_str() {
            "yes" => Ok(Val::Bool(true)),
            "no" => Ok(Val::Bool(false)),
            _ => err("argument must be 'yes' or 'no'"),
        },
        Int { min, max } => {
            let s = one()?;
            let n: i64 = s.parse().map_err(|_| ConfigError("argument couldn't be parsed into an integer".into()))?;
            if n < min || n > max {
                return err(format!("argument must be between {min} and {max} inclusive"));
            }
            Ok(Val::Int(n))
        }
        Mem { min, max } => {
            let n = parse_memory(one()?).ok_or_else(|| ConfigError("argument must be a memory value".into()))?;
            if n < min || n > max {
                return err(format!("argument must be between {min} and {max} inclusive"));
            }
            Ok(Val::Int(n))
        }
        MemOrPercent => {
            let s = one()?;
            if let Some(p) = s.strip_suffix('%') {
                return match p.parse::<i64>() {
                    Ok(n) if (0..=100).contains(&n) => Ok(Val::Int(-n)),
                    _ => err("argument must be a memory or percent value"),
                };
            }
            match parse_memory(s) {
                Some(n) if n >= 0 => Ok(Val::Int(n)),
                _ => err("argument must be a memory or percent value"),
            }
        }
        Octal => {
            let n = i64::from_str_radix(one()?, 8)
                .map_err(|_| ConfigError("argument couldn't be parsed into an integer".into()))?;
            if !(0..=0o777).contains(&n) {
                return err("argument must be between 0 and 511 inclusive");
            }
            Ok(Val::Int(n))
        }
        Enum(opts) => {
            let s = one()?.to_ascii_lowercase();
            if opts.contains(&s.as_str()) {
                Ok(Val::Str(s))
            } else {
                err(format!("argument(s) must be one of the following: {}", opts.join(", ")))
            }
        }
        Str => Ok(Val::Str(one()?.to_string())),
        List => Ok(Val::Str(args.join(" "))),
    }
}

fn format_value(d: &Directive, v: &Val) -> String {
    match (v, d.kind) {
        (Val::Bool(b), _) => if *b { "yes" } else { "no" }.into(),
        (Val::Int(n), Octal) => format!("{:o}", n),
        (Val::Int(n), MemOrPercent) if *n < 0 => format!("{}%", -n),
        (Val::Int(n), _) => n.to_string(),
        (Val::Str(s), _) => s.clone(),
    }
}

/// A directive's default as the words a config line would carry.
fn default_words(d: &Directive) -> Vec<String> {
    match d.kind {
        List if !d.default.is_empty() => d.default.split_whitespace().map(String::from).collect(),
        _ => vec![d.default.to_string()],
    }
}

/// The running configuration.
#[derive(Debug, Clone)]
pub struct Config {
    values: Vec<Val>,
    /// The config file the server was started with (for CONFIG REWRITE).
    pub file: Option<std::path::PathBuf>,
    /// Names given in the config file or on the command line (for CONFIG REWRITE).
    lookup: HashMap<&'static str, usize>,
}

impl Default for Config {
    fn default() -> Self {
        let mut lookup = HashMap::new();
        let values = TABLE
            .iter()
            .enumerate()
            .map(|(i, d)| {
                lookup.insert(d.name, i);
                for a in d.aliases {
                    lookup.insert(*a, i);
                }
                parse_value(d, &default_words(d)).unwrap_or_else(|e| panic!("bad default for {}: {e}", d.name))
            })
            .collect();
        let mut c = Config { values, file: None, lookup };
        // Redis's default `dir` is the working directory at start-up.
        if let Ok(cwd) = std::env::current_dir() {
            c.values[D::Dir as usize] = Val::Str(cwd.to_string_lossy().into_owned());
        }
        c
    }
}

/// What [`Config::load`] reports besides errors: warnings to log once logging is up.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub warnings: Vec<String>,
}

/// One line of configuration text, split, with its origin for error messages.
struct Line {
    /// Where the line came from: a file path, or "the command line".
    source: String,
    number: usize,
    text: String,
    words: Vec<String>,
}

impl Config {
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.lookup.get(name.to_ascii_lowercase().as_str()).copied()
    }

    #[inline]
    pub fn int(&self, d: D) -> i64 {
        match &self.values[d as usize] {
            Val::Int(n) => *n,
            Val::Bool(b) => *b as i64,
            Val::Str(_) => 0,
        }
    }

    #[inline]
    pub fn bool(&self, d: D) -> bool {
        matches!(self.values[d as usize], Val::Bool(true))
    }

    #[inline]
    pub fn str(&self, d: D) -> &str {
        match &self.values[d as usize] {
            Val::Str(s) => s,
            _ => "",
        }
    }

    /// The value as CONFIG GET shows it.
    pub fn get_formatted(&self, idx: usize) -> String {
        format_value(&TABLE[idx], &self.values[idx])
    }

    /// Sets one directive from its words, applying every rule (type, range,
    /// features not yet built). `from_file` relaxes nothing but is used for the
    /// `save` special case (several lines add up).
    pub fn set_words(&mut self, idx: usize, words: &[String], report: &mut LoadReport) -> Result<(), ConfigError> {
        let d = &TABLE[idx];
        let v = self.validate(idx, words, report)?;
        let _ = d;
        self.values[idx] = v;
        Ok(())
    }

    /// Checks a value without storing it.
    pub fn validate(&self, idx: usize, words: &[String], _report: &mut LoadReport) -> Result<Val, ConfigError> {
        let d = &TABLE[idx];
        let mut v = parse_value(d, words)?;
        if d.flags & DEFAULT_ONLY != 0 {
            let default = Config::default_value(idx);
            if v != default {
                return err(format!(
                    "'{}' is not supported by oxidis yet: only '{}' is accepted",
                    d.name,
                    format_value(d, &default)
                ));
            }
        }
        match D::from_index(idx) {
            Some(D::Save) => {
                let s = match &v {
                    Val::Str(s) => s.clone(),
                    _ => String::new(),
                };
                let parts: Vec<&str> = s.split_whitespace().collect();
                if !parts.len().is_multiple_of(2) || parts.iter().any(|p| p.parse::<u64>().is_err()) {
                    return err("Invalid save parameters");
                }
                v = Val::Str(parts.join(" "));
            }
            Some(D::ClientOutputBufferLimit) => {
                let s = match &v {
                    Val::Str(s) => s.clone(),
                    _ => String::new(),
                };
                v = Val::Str(merge_obuf_limits(self.str(D::ClientOutputBufferLimit), &s)?);
            }
            Some(D::Bind) if words.len() > 16 => {
                return err("Too many bind addresses specified.");
            }
            Some(D::LatencyTrackingInfoPercentiles) => {
                let s = match &v {
                    Val::Str(s) => s.clone(),
                    _ => String::new(),
                };
                let mut out = Vec::new();
                for w in s.split_whitespace() {
                    match w.parse::<f64>() {
                        Ok(f) if (0.0..=100.0).contains(&f) => out.push(crate::util::fmt_human_double(f)),
                        _ => return err("latency-tracking-info-percentiles must be between 0.0 and 100.0"),
                    }
                }
                v = Val::Str(out.join(" "));
            }
            Some(D::NotifyKeyspaceEvents) => {
                let s = match &v {
                    Val::Str(s) => s.clone(),
                    _ => String::new(),
                };
                v = Val::Str(
                    normalize_notify_flags(&s)
                        .ok_or_else(|| ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()))?,
                );
            }
            _ => {}
        }
        Ok(v)
    }

    pub fn default_value(idx: usize) -> Val {
        let d = &TABLE[idx];
        parse_value(d, &default_words(d)).unwrap_or(Val::Str(String::new()))
    }

    /// Loads configuration text (file contents, then command-line options) the
    /// way redis-server does. Errors are formatted like Redis's fatal config
    /// error: the line number, the line, and the reason.
    /// `file` names the config file whose contents are the first `file_lines`
    /// lines of `text` (the rest are command-line options), for error messages.
    pub fn load_text(&mut self, text: &str, report: &mut LoadReport, base_dir: &std::path::Path) -> Result<(), String> {
        self.load_text_from(text, report, base_dir, None, 0)
    }

    /// [`Config::load_text`] with the origin of the lines known.
    pub fn load_text_from(
        &mut self,
        text: &str,
        report: &mut LoadReport,
        base_dir: &std::path::Path,
        file: Option<&str>,
        file_lines: usize,
    ) -> Result<(), String> {
        let mut lines = Vec::new();
        collect_lines(text, base_dir, &mut lines, 0, "")?;
        for l in lines.iter_mut().filter(|l| l.source.is_empty()) {
            l.source = match file {
                Some(f) if l.number <= file_lines => f.to_string(),
                _ => "the command line".to_string(),
            };
        }
        let mut save_seen = false;
        for line in lines {
            let fail = |reason: &str| {
                format!(
                    "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration file, at line {} ({})\n>>> '{}'\n{}",
                    line.number, line.source, line.text, reason
                )
            };
            let name = line.words[0].to_ascii_lowercase();
            let args = &line.words[1..];
            match name.as_str() {
                "rename-command" | "loadmodule" | "sentinel" => {
                    return Err(fail(&format!("'{name}' is not supported by oxidis yet")));
                }
                "user" => {
                    // ACL users arrive with ACL support; the default user with
                    // everything allowed is what we have.
                    return Err(fail("'user' (ACL) is not supported by oxidis yet"));
                }
                "replicaof" | "slaveof" => {
                    if args.len() != 2 {
                        return Err(fail("wrong number of arguments"));
                    }
                    if args[1].parse::<u16>().is_err() {
                        return Err(fail("Invalid master port"));
                    }
                    return Err(fail("replication is not supported by oxidis yet"));
                }
                _ => {}
            }
            let Some(idx) = self.index_of(&name) else {
                return Err(fail("Bad directive or wrong number of arguments"));
            };
            let mut words = args.to_vec();
            if idx == D::Save as usize {
                // The first `save` line replaces the default schedule; the next ones add to it.
                let joined = words.join(" ");
                if save_seen && !joined.trim().is_empty() {
                    let prev = self.str(D::Save).to_string();
                    words = vec![format!("{prev} {joined}").trim().to_string()];
                } else {
                    words = vec![joined];
                }
                save_seen = true;
            }
            if words.is_empty() {
                return Err(fail("wrong number of arguments"));
            }
            self.set_words(idx, &words, report).map_err(|e| fail(&e.0))?;
        }
        Ok(())
    }

    /// CONFIG GET: every directive (and alias) matching any of the patterns.
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, d) in TABLE.iter().enumerate() {
            for name in std::iter::once(&d.name).chain(d.aliases.iter()) {
                // An exact name (no glob characters) is echoed as the client wrote it.
                let exact = patterns.iter().find(|p| {
                    !p.iter().any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
                        && p.eq_ignore_ascii_case(name.as_bytes())
                });
                if let Some(p) = exact {
                    if seen.insert(*name) {
                        out.push((String::from_utf8_lossy(p).into_owned(), self.get_formatted(i)));
                    }
                } else if patterns.iter().any(|p| glob_match(&p.to_ascii_lowercase(), name.as_bytes(), true))
                    && seen.insert(*name)
                {
                    out.push((name.to_string(), self.get_formatted(i)));
                }
            }
        }
        out
    }

    /// The file text CONFIG REWRITE produces from `old` (the current file):
    /// known directives are updated in place, non-default values appended,
    /// comments and unknown lines kept.
    pub fn rewrite_text(&self, old: &str) -> String {
        let mut out = String::new();
        let mut done = vec![false; TABLE.len()];
        let header = "# Generated by CONFIG REWRITE";
        for raw in old.lines() {
            let trimmed = raw.trim();
            if trimmed == header {
                continue;
            }
            let words = split_args(trimmed.as_bytes()).unwrap_or_default();
            let Some(first) = words.first() else {
                out.push_str(raw);
                out.push('\n');
                continue;
            };
            if trimmed.starts_with('#') {
                out.push_str(raw);
                out.push('\n');
                continue;
            }
            let name = String::from_utf8_lossy(first).to_ascii_lowercase();
            match self.index_of(&name) {
                Some(idx) => {
                    if !done[idx] {
                        done[idx] = true;
                        out.push_str(&self.rewrite_line(idx));
                    }
                }
                None => {
                    out.push_str(raw);
                    out.push('\n');
                }
            }
        }
        let mut tail = String::new();
        for (idx, d) in TABLE.iter().enumerate() {
            if done[idx] || d.name == "dir" {
                continue;
            }
            if self.values[idx] != Config::default_value(idx) {
                tail.push_str(&self.rewrite_line(idx));
            }
        }
        if !tail.is_empty() {
            out.push_str(header);
            out.push('\n');
            out.push_str(&tail);
        }
        out
    }

    fn rewrite_line(&self, idx: usize) -> String {
        let d = &TABLE[idx];
        let v = self.get_formatted(idx);
        match D::from_index(idx) {
            Some(D::Save) if v.is_empty() => "save \"\"\n".into(),
            Some(D::Save) => {
                let parts: Vec<&str> = v.split_whitespace().collect();
                parts.chunks(2).map(|c| format!("save {} {}\n", c[0], c.get(1).unwrap_or(&""))).collect()
            }
            Some(D::ClientOutputBufferLimit) => {
                let parts: Vec<&str> = v.split_whitespace().collect();
                parts.chunks(4).map(|c| format!("client-output-buffer-limit {}\n", c.join(" "))).collect()
            }
            _ => match d.kind {
                List if v.is_empty() => format!("{} \"\"\n", d.name),
                List => format!("{} {}\n", d.name, v),
                _ => format!("{} {}\n", d.name, quote_if_needed(&v)),
            },
        }
    }
}

impl D {
    pub fn from_index(i: usize) -> Option<D> {
        D::ALL.get(i).copied()
    }
}

fn quote_if_needed(s: &str) -> String {
    if s.is_empty() || s.bytes().any(|b| b.is_ascii_whitespace() || b == b'"' || b == b'\'' || !b.is_ascii_graphic()) {
        let mut q = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                '\r' => q.push_str("\\r"),
                '\t' => q.push_str("\\t"),
                c if (c as u32) < 32 => {
                    let _ = write!(q, "\\x{:02x}", c as u32);
                }
                c => q.push(c),
            }
        }
        q.push('"');
        q
    } else {
        s.to_string()
    }
}

/// Applies `client-output-buffer-limit <class> <hard> <soft> <secs> ...` on top of
/// the current limits and returns the canonical form of all three classes.
fn merge_obuf_limits(current: &str, new: &str) -> Result<String, ConfigError> {
    let mut classes: Vec<(String, [i64; 3])> = Vec::new();
    let parse_all = |s: &str, classes: &mut Vec<(String, [i64; 3])>| -> Result<(), ConfigError> {
        let w: Vec<&str> = s.split_whitespace().collect();
        if !w.len().is_multiple_of(4) {
            return err("Wrong number of arguments in buffer limit configuration.");
        }
        for c in w.chunks(4) {
            let class = match c[0].to_ascii_lowercase().as_str() {
                "normal" => "normal",
                "slave" | "replica" => "slave",
                "pubsub" => "pubsub",
                _ => return err("Invalid client class specified in buffer limit configuration."),
            };
            let hard = parse_memory(c[1]);
            let soft = parse_memory(c[2]);
            let secs = c[3].parse::<i64>().ok();
            let (Some(hard), Some(soft), Some(secs)) = (hard, soft, secs) else {
                return err("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            };
            if hard < 0 || soft < 0 || secs < 0 {
                return err("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            }
            match classes.iter_mut().find(|(n, _)| n == class) {
                Some(e) => e.1 = [hard, soft, secs],
                None => classes.push((class.to_string(), [hard, soft, secs])),
            }
        }
        Ok(())
    };
    parse_all(current, &mut classes)?;
    parse_all(new, &mut classes)?;
    let order = ["normal", "slave", "pubsub"];
    let mut out = Vec::new();
    for o in order {
        if let Some((n, v)) = classes.iter().find(|(n, _)| n == o) {
            out.push(format!("{} {} {} {}", n, v[0], v[1], v[2]));
        }
    }
    Ok(out.join(" "))
}

/// Validates keyspace-event flags and returns them in Redis's canonical order.
fn normalize_notify_flags(s: &str) -> Option<String> {
    const ALL: &str = "g$lshzxetd"; // what 'A' stands for (7.0: new keys 'n' and key-miss 'm' excluded)
    let mut set = std::collections::BTreeSet::new();
    for c in s.chars() {
        match c {
            'A' => set.extend(ALL.chars()),
            'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 'K' | 'E' | 't' | 'm' | 'd' | 'n' => {
                set.insert(c);
            }
            _ => return None,
        }
    }
    // Redis prints classes in a fixed order, using 'A' when all of them are set.
    let mut out = String::new();
    if ALL.chars().all(|c| set.contains(&c)) {
        out.push('A');
    } else {
        for c in "g$lshzxetd".chars() {
            if set.contains(&c) {
                out.push(c);
            }
        }
    }
    for c in "mnKE".chars() {
        if set.contains(&c) {
            out.push(c);
        }
    }
    // Redis keeps the class flags, but without K or E nothing is emitted.
    Some(out)
}

/// Splits text into directive lines, following `include`.
fn collect_lines(
    text: &str,
    base: &std::path::Path,
    out: &mut Vec<Line>,
    depth: u32,
    source: &str,
) -> Result<(), String> {
    if depth > 16 {
        return Err("too many nested includes".into());
    }
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some(words) = split_args(t.as_bytes()) else {
            return Err(format!(
                "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration file, at line {}\n>>> '{}'\nUnbalanced quotes in configuration line",
                i + 1,
                t
            ));
        };
        let words: Vec<String> = words.into_iter().map(|w| String::from_utf8_lossy(&w).into_owned()).collect();
        if words.is_empty() {
            continue;
        }
        if words[0].eq_ignore_ascii_case("include") {
            if words.len() != 2 {
                return Err(format!(
                    "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration file, at line {}\n>>> '{}'\nwrong number of arguments",
                    i + 1,
                    t
                ));
            }
            let path = base.join(&words[1]);
            let inc = std::fs::read_to_string(&path)
                .map_err(|e| format!("Fatal error, can't open config file '{}': {}", path.display(), e))?;
            collect_lines(&inc, base, out, depth + 1, &path.display().to_string())?;
            continue;
        }
        out.push(Line { source: source.to_string(), number: i + 1, text: t.to_string(), words });
    }
    Ok(())
}

/// Builds config text from redis-server style command-line arguments
/// (`--port 6380 --save "" ...`), exactly as redis-server does.
pub fn args_to_config_text(args: &[String]) -> String {
    let mut options = String::new();
    let mut handled_last = true;
    let mut j = 0;
    while j < args.len() {
        let a = &args[j];
        if handled_last && a.starts_with("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&a[2..]);
            options.push(' ');
            let parts = split_args(a.as_bytes()).map(|v| v.len()).unwrap_or(1);
            if parts == 1 {
                handled_last = false;
                let is_save = a.eq_ignore_ascii_case("--save");
                if is_save && j + 1 < args.len() && args[j + 1].starts_with("--") {
                    options.push_str("\"\"");
                    handled_last = true;
                } else if is_save && j + 1 == args.len() {
                    options.push_str("\"\"");
                }
            } else {
                handled_last = true;
            }
        } else {
            options.push_str(&repr(a));
            options.push(' ');
            handled_last = true;
        }
        j += 1;
    }
    options
}

/// Redis's `sdscatrepr`: a double-quoted, escaped representation.
pub fn repr(s: &str) -> String {
    repr_bytes(s.as_bytes())
}

pub fn repr_bytes(s: &[u8]) -> String {
    let mut q = String::from("\"");
    for &b in s {
        match b {
            b'\\' => q.push_str("\\\\"),
            b'"' => q.push_str("\\\""),
            b'\n' => q.push_str("\\n"),
            b'\r' => q.push_str("\\r"),
            b'\t' => q.push_str("\\t"),
            7 => q.push_str("\\a"),
            8 => q.push_str("\\b"),
            b if b.is_ascii_graphic() || b == b' ' => q.push(b as char),
            b => {
                let _ = write!(q, "\\x{:02x}", b);
            }
        }
    }
    q.push('"');
    q
}

/// A client class's output buffer limits: (hard bytes, soft bytes, soft seconds).
pub fn obuf_limits(cfg: &Config, class: &str) -> (u64, u64, u64) {
    let w: Vec<&str> = cfg.str(D::ClientOutputBufferLimit).split_whitespace().collect();
    for c in w.chunks(4) {
        if c.len() == 4 && c[0] == class {
            let p = |s: &str| s.parse::<u64>().unwrap_or(0);
            return (p(c[1]), p(c[2]), p(c[3]));
        }
    }
    (0, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_table_order_matches_enum() {
        let c = Config::default();
        assert_eq!(c.int(D::Port), 6379);
        assert_eq!(c.int(D::Databases), 16);
        assert!(c.bool(D::ProtectedMode));
        assert_eq!(c.str(D::Loglevel), "notice");
        assert_eq!(D::Port.directive().name, "port");
        assert_eq!(D::AcllogMaxLen.directive().name, "acllog-max-len");
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("10k"), Some(10_000));
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("abc"), None);
    }

    #[test]
    fn command_line_like_redis() {
        let a = |v: &[&str]| args_to_config_text(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(a(&["--port", "6380"]), "port \"6380\" ");
        assert_eq!(a(&["--port", "--bla", "--loglevel", "verbose"]), "port \"--bla\" \nloglevel \"verbose\" ");
        assert_eq!(a(&["--save", "--loglevel", "verbose"]), "save \"\"\nloglevel \"verbose\" ");
        assert_eq!(a(&["--maxmemory 700mb"]), "maxmemory 700mb ");
    }

    #[test]
    fn load_errors_name_line_and_reason() {
        let mut c = Config::default();
        let mut r = LoadReport::default();
        let e = c.load_text("port 7000\nport \"--bla\"\n", &mut r, std::path::Path::new(".")).unwrap_err();
        assert!(e.contains("at line 2"), "{e}");
        assert!(e.contains(">>> 'port \"--bla\"'"), "{e}");
        assert!(e.contains("argument couldn't be parsed into an integer"), "{e}");
        let e = c.load_text("loglevel --bla\n", &mut r, std::path::Path::new(".")).unwrap_err();
        assert!(e.contains("argument(s) must be one of the following"), "{e}");
        assert!(c.load_text("daemonize yes\n", &mut r, std::path::Path::new(".")).is_err());
        assert!(c.load_text("appendonly no\nsave 900 1\nsave 60 100\n", &mut r, std::path::Path::new(".")).is_ok());
        assert_eq!(c.str(D::Save), "900 1 60 100");
        c.load_text("save \"\"\n", &mut r, std::path::Path::new(".")).unwrap();
        assert_eq!(c.str(D::Save), "");
    }

    #[test]
    fn obuf_limits_merge() {
        let mut c = Config::default();
        let mut r = LoadReport::default();
        c.load_text("client-output-buffer-limit pubsub 1mb 512kb 10\n", &mut r, std::path::Path::new(".")).unwrap();
        assert_eq!(obuf_limits(&c, "pubsub"), (1 << 20, 512 << 10, 10));
        assert_eq!(obuf_limits(&c, "normal"), (0, 0, 0));
    }
}
