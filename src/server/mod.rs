//! The server: one thread, one `mio` reactor, all state in [`Server`].
//!
//! Each loop iteration: poll; accept new connections; read what readable
//! clients sent and run every complete command in it (pipelining); run the cron
//! when due (active expiry, timeouts, rehashing, stats); then flush every client
//! with pending output (one write each), asking for WRITABLE readiness only for
//! the ones whose socket could not take it all.

pub mod blocking;
pub mod client;
pub mod guards;
pub mod histogram;
pub mod log;
pub mod memory;
pub mod multi;
pub mod notify;
pub mod obuf;
pub mod pubsub;
pub mod tracking;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, UnixListener};
use mio::{Events, Interest, Poll, Registry, Token};
use tracing::{debug, info, warn};

pub use client::{Client, Conn, ReplyMode};

use crate::commands::{self, CmdId, CommandTable, Ctx};
use crate::config::{Config, D};
use crate::errors;
use crate::protocol::{Limits, Parsed};
use crate::store::Keyspace;
use crate::util::unix_us;

const SIGNAL_TOKEN: Token = Token(0);
const LISTENER_BASE: usize = 1;
const MAX_LISTENERS: usize = 64;
const CLIENT_BASE: usize = LISTENER_BASE + MAX_LISTENERS;
/// Most bytes read from one client per loop iteration (fairness).
const MAX_READ_PER_EVENT: usize = 1024 * 1024;

impl Stats {
    /// Moves the error replies written to `c` since the last count into
    /// `total_error_replies` and errorstats.
    pub fn count_errors(&mut self, c: &mut Client) {
        if c.reply.errors > 0 {
            self.total_error_replies += c.reply.errors as u64;
            if let Some(code) = c.reply.last_error_code.take() {
                *self.errorstats.entry(code.to_string()).or_insert(0) += c.reply.errors as u64;
            }
            c.reply.errors = 0;
        }
    }
}

/// Server-wide counters (INFO stats).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub total_connections_received: u64,
    pub total_commands_processed: u64,
    pub rejected_connections: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub total_error_replies: u64,
    pub unexpected_error_replies: u64,
    pub errorstats: HashMap<String, u64>,
    pub client_qbuf_limit_disconnections: u64,
    pub client_outbuf_limit_disconnections: u64,
    pub total_reads_processed: u64,
    pub total_writes_processed: u64,
    pub evicted_clients: u64,
}

/// A sampled metric (instantaneous ops/sec and network kbps), as Redis keeps it.
#[derive(Debug, Default, Clone)]
pub struct Metric {
    samples: [f64; 16],
    idx: usize,
    last_time_ms: i64,
    last_value: u64,
}

impl Metric {
    fn sample(&mut self, now_ms: i64, value: u64) {
        if self.last_time_ms > 0 {
            let dt = (now_ms - self.last_time_ms).max(1) as f64;
            let rate = (value.saturating_sub(self.last_value)) as f64 * 1000.0 / dt;
            self.samples[self.idx] = rate;
            self.idx = (self.idx + 1) % self.samples.len();
        }
        self.last_time_ms = now_ms;
        self.last_value = value;
    }

    pub fn value(&self) -> f64 {
        self.samples.iter().sum::<f64>() / self.samples.len() as f64
    }
}

/// One SLOWLOG entry.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    pub id: u64,
    pub time: i64,
    pub duration_us: u64,
    pub argv: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

/// CLIENT PAUSE state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseMode {
    Write,
    All,
}

/// How SHUTDOWN (or a signal) asked the server to stop.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShutdownRequest {
    pub nosave: bool,
    pub save: bool,
    /// SHUTDOWN FORCE: exit even if the final save fails.
    pub force: bool,
    /// The SHUTDOWN command already did the persistence work.
    pub prepared: bool,
}

/// A listening socket.
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, String),
}

/// Holds the clients, indexed by their token.
#[derive(Default)]
pub struct Clients {
    slots: Vec<Option<Box<Client>>>,
    free: Vec<usize>,
    count: usize,
    /// Client id -> token (CLIENT TRACKING REDIRECT looks ids up often).
    by_id: HashMap<u64, Token>,
}

impl Clients {
    fn insert(&mut self, make: impl FnOnce(Token) -> Client) -> Token {
        let idx = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let token = Token(CLIENT_BASE + idx);
        let c = Box::new(make(token));
        self.by_id.insert(c.id, token);
        self.slots[idx] = Some(c);
        self.count += 1;
        token
    }

    /// The token of the client with this id, even while it runs a command.
    pub fn token_by_id(&self, id: u64) -> Option<Token> {
        self.by_id.get(&id).copied()
    }

    fn idx(token: Token) -> Option<usize> {
        token.0.checked_sub(CLIENT_BASE)
    }

    pub fn get(&self, token: Token) -> Option<&Client> {
        self.slots.get(Self::idx(token)?)?.as_deref()
    }

    pub fn get_mut(&mut self, token: Token) -> Option<&mut Client> {
        self.slots.get_mut(Self::idx(token)?)?.as_deref_mut()
    }

    /// Takes a client out while it runs a command (so the handler can have
    /// `&mut Server` and `&mut Client` at once). Put it back with `put_back`.
    fn take(&mut self, token: Token) -> Option<Box<Client>> {
        self.slots.get_mut(Self::idx(token)?)?.take()
    }

    fn put_back(&mut self, c: Box<Client>) {
        if let Some(i) = Self::idx(c.token) {
            self.slots[i] = Some(c);
        }
    }

    fn remove(&mut self, token: Token) -> Option<Box<Client>> {
        let i = Self::idx(token)?;
        let c = self.slots.get_mut(i)?.take()?;
        self.free.push(i);
        self.count -= 1;
        self.by_id.remove(&c.id);
        Some(c)
    }

    /// Number of connected clients (including one taken out to run a command).
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.slots.iter().filter_map(|s| s.as_deref())
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.slots.iter_mut().filter_map(|s| s.as_deref_mut())
    }
}

/// All server state. Handlers reach everything from here.
pub struct Server {
    pub config: Config,
    pub ks: Keyspace,
    pub commands: CommandTable,
    pub clients: Clients,
    pub stats: Stats,
    pub ops_metric: Metric,
    pub net_in_metric: Metric,
    pub net_out_metric: Metric,
    pub start_time_ms: i64,
    pub start_instant: Instant,
    pub next_client_id: u64,
    pub slowlog: VecDeque<SlowEntry>,
    pub slowlog_next_id: u64,
    pub monitors: Vec<Token>,
    pub pause: Option<(PauseMode, i64)>,
    pub shutdown: Option<ShutdownRequest>,
    pub cronloops: u64,
    pub run_id: String,
    pub tcp_port: u16,
    pub lastsave: i64,
    pub executable: String,
    pub config_file: String,
    pub max_clients_reached_warned: bool,
    registry: Option<Registry>,
    pending_writes: Vec<Token>,
    /// Clients whose reads were capped this iteration and must be read again.
    pending_reads: Vec<Token>,
    /// Clients with commands left waiting (CLIENT PAUSE).
    paused_clients: Vec<Token>,
    /// Clients blocked by BLPOP & co (see `blocking.rs`).
    pub blocking: blocking::Blocking,
    /// Client-side caching: the tracking table and BCAST prefixes.
    pub tracking: tracking::Tracking,
    /// Channel and pattern subscriptions (see `pubsub.rs`).
    pub pubsub: pubsub::PubSub,
    /// Output buffer limits per client class, parsed from the config (see `obuf.rs`).
    pub obuf: obuf::ObufLimits,
    /// Lua scripts and functions (see `crate::scripting`).
    pub scripting: crate::scripting::Scripting,
    /// The poller, kept here so a long script can serve other clients.
    poll: Option<Poll>,
    /// A signal arrived while a script served other clients.
    signal_pending: bool,
    /// RDB snapshots, the AOF and the propagation point (see `persistence`).
    pub persist: crate::persistence::State,
    /// DEBUG PAUSE-CRON: the cron (and a signal's shutdown) waits.
    pub cron_paused: bool,
    /// Memory figures and eviction progress (see `memory.rs`).
    pub mem: memory::MemoryState,
    listeners: Vec<Listener>,
    unix_path: Option<String>,
}

impl Server {
    pub fn new(config: Config) -> Self {
        let dbs = config.int(D::Databases) as usize;
        let now = crate::util::unix_ms();
        let mut rng = crate::util::Rng::new();
        let run_id: String = (0..40).map(|_| format!("{:x}", rng.below(16))).collect();
        let obuf = obuf::ObufLimits::from_config(&config);
        let mut ks = Keyspace::new(dbs);
        ks.notify_flags = crate::store::events::parse_flags(config.str(D::NotifyKeyspaceEvents));
        let mut srv = Server {
            ks,
            config,
            commands: CommandTable::new(),
            clients: Clients::default(),
            stats: Stats::default(),
            ops_metric: Metric::default(),
            net_in_metric: Metric::default(),
            net_out_metric: Metric::default(),
            start_time_ms: now,
            start_instant: Instant::now(),
            next_client_id: 1,
            slowlog: VecDeque::new(),
            slowlog_next_id: 0,
            monitors: Vec::new(),
            pause: None,
            shutdown: None,
            cronloops: 0,
            run_id,
            tcp_port: 0,
            lastsave: now / 1000,
            executable: std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
            config_file: String::new(),
            max_clients_reached_warned: false,
            registry: None,
            pending_writes: Vec::new(),
            pending_reads: Vec::new(),
            paused_clients: Vec::new(),
            blocking: blocking::Blocking::default(),
            tracking: tracking::Tracking::default(),
            pubsub: pubsub::PubSub::default(),
            obuf,
            scripting: Default::default(),
            poll: None,
            signal_pending: false,
            persist: Default::default(),
            cron_paused: false,
            mem: memory::MemoryState::default(),
            listeners: Vec::new(),
            unix_path: None,
        };
        srv.apply_memory_config();
        srv.mem = memory::MemoryState::new();
        srv
    }

    /// Binds the TCP listeners `port` and `bind` ask for.
    fn bind_tcp_listeners(&mut self) -> Result<Vec<Listener>, String> {
        let port = self.config.int(D::Port) as u16;
        let backlog = self.config.int(D::TcpBacklog) as i32;
        let mut out = Vec::new();
        if port == 0 {
            return Ok(out);
        }
        let binds: Vec<String> = self.config.str(D::Bind).split_whitespace().map(String::from).collect();
        for b in binds {
            let (optional, addr) = match b.strip_prefix('-') {
                Some(a) => (true, a.to_string()),
                None => (false, b.clone()),
            };
            let ip = match addr.as_str() {
                "*" => "0.0.0.0".to_string(),
                "::*" => "::".to_string(),
                a => a.to_string(),
            };
            match bind_tcp(&ip, port, backlog) {
                Ok(l) => {
                    self.tcp_port = l.local_addr().map(|a| a.port()).unwrap_or(port);
                    out.push(Listener::Tcp(l));
                }
                Err(e) => {
                    let unsupported = matches!(
                        e.raw_os_error(),
                        Some(libc::EAFNOSUPPORT) | Some(libc::EADDRNOTAVAIL) | Some(libc::EPROTONOSUPPORT)
                    );
                    if optional && unsupported {
                        continue;
                    }
                    warn!("Warning: Could not create server TCP listening socket {}:{}: bind: {}", addr, port, e);
                    return Err(format!("Failed listening on port {} (TCP), aborting.", port));
                }
            }
        }
        Ok(out)
    }

    /// Binds the listeners. Errors are Redis's start-up messages.
    pub fn listen(&mut self) -> Result<(), String> {
        self.listeners = self.bind_tcp_listeners()?;
        let unixsocket = self.config.str(D::Unixsocket).to_string();
        if !unixsocket.is_empty() {
            let _ = std::fs::remove_file(&unixsocket);
            let l = UnixListener::bind(&unixsocket).map_err(|e| format!("Failed opening Unix socket: {e}"))?;
            let perm = self.config.int(D::Unixsocketperm);
            if perm != 0 {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&unixsocket, std::fs::Permissions::from_mode(perm as u32));
            }
            self.listeners.push(Listener::Unix(l, unixsocket.clone()));
            self.unix_path = Some(unixsocket);
        }
        if self.listeners.is_empty() {
            return Err("Configured to not listen anywhere, exiting.".into());
        }
        if self.listeners.len() > MAX_LISTENERS {
            return Err("Too many bind addresses specified.".into());
        }
        Ok(())
    }

    /// Re-binds the TCP listeners after CONFIG SET port/bind. The old sockets
    /// are closed first (the new set may reuse their address); on failure the
    /// caller restores the old configuration and calls this again.
    pub fn rebind(&mut self) -> Result<(), String> {
        let old = std::mem::take(&mut self.listeners);
        let mut keep = Vec::new();
        for mut l in old {
            match &mut l {
                Listener::Tcp(t) => {
                    if let Some(reg) = self.registry.as_ref() {
                        let _ = reg.deregister(t);
                    }
                }
                Listener::Unix(u, _) => {
                    if let Some(reg) = self.registry.as_ref() {
                        let _ = reg.deregister(u);
                    }
                    keep.push(l);
                }
            }
        }
        let result = self.bind_tcp_listeners();
        let mut listeners = result.as_ref().map(|_| Vec::new()).unwrap_or_default();
        let ok = result.is_ok();
        if let Ok(v) = result {
            listeners = v;
        }
        listeners.extend(keep);
        self.listeners = listeners;
        if let Some(reg) = self.registry.as_ref() {
            for (i, l) in self.listeners.iter_mut().enumerate() {
                let t = Token(LISTENER_BASE + i);
                let _ = match l {
                    Listener::Tcp(l) => reg.register(l, t, Interest::READABLE),
                    Listener::Unix(l, _) => reg.register(l, t, Interest::READABLE),
                };
            }
        }
        if ok {
            Ok(())
        } else {
            Err("bind failed".into())
        }
    }

    /// Raw descriptors of the listening sockets (a fork child closes them).
    pub fn listener_fds(&self) -> Vec<i32> {
        use std::os::fd::AsRawFd;
        self.listeners
            .iter()
            .map(|l| match l {
                Listener::Tcp(t) => t.as_raw_fd(),
                Listener::Unix(u, _) => u.as_raw_fd(),
            })
            .collect()
    }

    /// True if SIGTERM/SIGINT arrived while events were processed outside
    /// the loop (a long script, loading).
    pub fn signal_pending(&self) -> bool {
        self.signal_pending
    }

    /// Runs the event loop until shutdown.
    pub fn run(&mut self) -> io::Result<()> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        for (i, l) in self.listeners.iter_mut().enumerate() {
            let t = Token(LISTENER_BASE + i);
            match l {
                Listener::Tcp(l) => registry.register(l, t, Interest::READABLE)?,
                Listener::Unix(l, _) => registry.register(l, t, Interest::READABLE)?,
            }
        }
        let mut signals =
            signal_hook_mio::v1_0::Signals::new([signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT])?;
        registry.register(&mut signals, SIGNAL_TOKEN, Interest::READABLE)?;
        self.registry = Some(registry);
        self.poll = Some(poll);
        // Loading serves clients (LOADING replies) through the poller set above.
        if let Err(e) = crate::persistence::load_at_startup(self) {
            warn!("{}", e);
            std::process::exit(1);
        }
        info!("Ready to accept connections");

        let mut events = Events::with_capacity(1024);
        let mut next_cron = Instant::now();
        loop {
            let hz = self.config.int(D::Hz).clamp(1, 500) as u64;
            let period = Duration::from_micros(1_000_000 / hz);
            let now = Instant::now();
            let timeout = if !self.pending_reads.is_empty() {
                Duration::ZERO
            } else {
                next_cron.saturating_duration_since(now).min(Duration::from_millis(100))
            };
            let timeout = self.blocking_poll_timeout(timeout);
            let mut poll = self.poll.take().expect("poller set above");
            let polled = poll.poll(&mut events, Some(timeout));
            self.poll = Some(poll);
            if let Err(e) = polled {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            self.ks.now_ms = crate::util::unix_ms();
            let mut check_signals = std::mem::take(&mut self.signal_pending);
            for ev in events.iter() {
                match ev.token() {
                    SIGNAL_TOKEN => check_signals = true,
                    t if t.0 < CLIENT_BASE => self.accept(t.0 - LISTENER_BASE),
                    t => {
                        if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                            self.on_readable(t, ev.is_read_closed() || ev.is_error());
                        }
                        if ev.is_writable() {
                            self.on_writable(t);
                        }
                    }
                }
            }
            if check_signals {
                for sig in signals.pending() {
                    let name = if sig == signal_hook::consts::SIGINT { "SIGINT" } else { "SIGTERM" };
                    warn!("Received {} scheduling shutdown...", name);
                    self.shutdown = Some(ShutdownRequest::default());
                }
            }
            let again = std::mem::take(&mut self.pending_reads);
            for t in again {
                self.on_readable(t, false);
            }
            if Instant::now() >= next_cron && !self.cron_paused {
                self.cron();
                next_cron = Instant::now() + period;
            }
            self.blocking_tick();
            self.flush_pending();
            // A signal's shutdown waits for the cron, as in Redis (DEBUG
            // PAUSE-CRON holds it, SHUTDOWN ABORT can still cancel it).
            if let Some(req) = self.shutdown.filter(|r| r.prepared || !self.cron_paused) {
                if self.prepare_shutdown(req) {
                    break;
                }
                self.shutdown = None;
            }
        }
        Ok(())
    }

    /// Last steps before exiting: log, remove the pid file and the socket file.
    fn prepare_shutdown(&mut self, req: ShutdownRequest) -> bool {
        // SHUTDOWN prepared already; a signal's shutdown prepares here (the
        // persistence side logs why it cannot exit).
        if !req.prepared && crate::persistence::prepare_shutdown(self, req.save, req.nosave, req.force).is_err() {
            return false;
        }
        // Flush what we can to clients still connected.
        let tokens: Vec<Token> = self.clients.iter().map(|c| c.token).collect();
        for t in tokens {
            if let Some(c) = self.clients.get_mut(t) {
                let _ = c.flush();
            }
        }
        if let Some(p) = &self.unix_path {
            info!("Removing the unix socket file.");
            let _ = std::fs::remove_file(p);
        }
        let pidfile = self.config.str(D::Pidfile);
        if !pidfile.is_empty() {
            info!("Removing the pid file.");
            let _ = std::fs::remove_file(pidfile);
        }
        warn!("Redis is now ready to exit, bye bye...");
        true
    }

    fn accept(&mut self, li: usize) {
        loop {
            let Some(listener) = self.listeners.get(li) else { return };
            let accepted = match listener {
                Listener::Tcp(l) => l.accept().map(|(s, peer)| {
                    let laddr = s.local_addr().map(fmt_addr).unwrap_or_default();
                    let _ = s.set_nodelay(true);
                    let ka = self.config.int(D::TcpKeepalive);
                    if ka > 0 {
                        let sock = socket2::SockRef::from(&s);
                        let params = socket2::TcpKeepalive::new()
                            .with_time(Duration::from_secs(ka as u64))
                            .with_interval(Duration::from_secs((ka as u64 / 3).max(1)));
                        let _ = sock.set_tcp_keepalive(&params);
                    }
                    let local = peer.ip().is_loopback();
                    (Conn::Tcp(s), fmt_addr(peer), laddr, false, local)
                }),
                Listener::Unix(l, path) => {
                    let path = path.clone();
                    l.accept().map(|(s, _)| (Conn::Unix(s), format!("{}:0", path), path, true, true))
                }
            };
            let (mut conn, addr, laddr, unix, local) = match accepted {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!("Accepting client connection: {}", e);
                    return;
                }
            };
            self.stats.total_connections_received += 1;
            if self.clients.len() >= self.config.int(D::Maxclients) as usize {
                let _ = conn.write(format!("-{}\r\n", errors::MAX_CLIENTS).as_bytes());
                self.stats.rejected_connections += 1;
                continue;
            }
            if self.config.bool(D::ProtectedMode) && self.config.str(D::Requirepass).is_empty() && !local {
                let _ = conn.write(PROTECTED_MODE_ERROR.as_bytes());
                self.stats.rejected_connections += 1;
                continue;
            }
            let id = self.next_client_id;
            self.next_client_id += 1;
            let now = self.ks.now_ms;
            let needs_auth = !self.config.str(D::Requirepass).is_empty();
            let token = self.clients.insert(|t| {
                let mut c = Client::new(id, t, conn, addr, laddr, unix, now);
                c.authenticated = !needs_auth;
                c
            });
            let reg = self.registry.as_ref().expect("registry set in run");
            let c = self.clients.get_mut(token).expect("just inserted");
            let r = match &mut c.conn {
                Conn::Tcp(s) => reg.register(s, token, Interest::READABLE),
                Conn::Unix(s) => reg.register(s, token, Interest::READABLE),
                Conn::None => Ok(()),
            };
            if r.is_err() {
                self.clients.remove(token);
                continue;
            }
            debug!("Accepted {}", self.clients.get(token).map(|c| c.addr.as_str()).unwrap_or(""));
            // Data may already be waiting (edge-triggered readiness).
            self.pending_reads.push(token);
        }
    }

    /// Reads and runs what a client sent. `hup` says the peer already closed
    /// its side: then we read until EOF, since no further event will come.
    fn on_readable(&mut self, token: Token, hup: bool) {
        let Some(mut c) = self.clients.take(token) else { return };
        if c.close_asap || c.close_after_reply {
            self.clients.put_back(c);
            return;
        }
        let mut total = 0;
        let mut closed = false;
        let limit = self.config.int(D::ClientQueryBufferLimit) as usize;
        loop {
            let (n, filled) = match c.read_some() {
                Ok((0, _)) => {
                    closed = true;
                    break;
                }
                Ok(r) => r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    closed = true;
                    break;
                }
            };
            total += n;
            self.stats.net_input_bytes += n as u64;
            self.stats.total_reads_processed += 1;
            c.last_interaction_ms = self.ks.now_ms;
            c.qbuf_peak = c.qbuf_peak.max(c.query_len());
            if c.query_len() > limit {
                warn!("Closing client that reached max query buffer length: addr={} qbuf={}", c.addr, c.query_len());
                self.stats.client_qbuf_limit_disconnections += 1;
                c.close_asap = true;
                break;
            }
            // Run what arrived before reading more.
            self.process_input(&mut c);
            // A short read drained the socket: with edge-triggered readiness,
            // new data will raise a new event.
            if (!filled && !hup) || c.close_asap || c.close_after_reply {
                break;
            }
            if total >= MAX_READ_PER_EVENT {
                self.pending_reads.push(token);
                break;
            }
        }
        if closed {
            debug!("Client closed connection id={} addr={}", c.id, c.addr);
            c.close_asap = true;
        }
        self.after_client_work(c);
    }

    /// Closes the listening sockets (the server is about to exit).
    fn close_listeners(&mut self) {
        for mut l in std::mem::take(&mut self.listeners) {
            if let Some(reg) = self.registry.as_ref() {
                let _ = match &mut l {
                    Listener::Tcp(t) => reg.deregister(t),
                    Listener::Unix(u, _) => reg.deregister(u),
                };
            }
        }
    }

    /// Puts a client back after it ran commands, scheduling its output or closing it.
    fn after_client_work(&mut self, mut c: Box<Client>) {
        let token = c.token;
        if c.close_asap {
            if self.shutdown.is_some() {
                // SHUTDOWN: stop listening before the client sees its
                // connection close, so it cannot reconnect to a dying server.
                self.close_listeners();
            }
            self.clients.put_back(c);
            self.close_client(token);
            return;
        }
        if c.pending_output() > 0 && !c.in_pending {
            c.in_pending = true;
            self.pending_writes.push(token);
        }
        self.clients.put_back(c);
        self.account_client_mem(token);
    }

    /// Serves other clients while a script runs past `busy-reply-threshold`
    /// (Redis's processEventsWhileBlocked): accepts, reads and runs what they
    /// sent (`call` answers BUSY to all but `allow-busy` commands), writes
    /// replies. The script's own client is read again after the script.
    /// `sweep` (the first time) also reads every client once: readiness is
    /// edge-triggered, and events the loop took before the script started
    /// would otherwise wait for the script to end.
    pub fn process_events_while_blocked(&mut self, sweep: bool) {
        if sweep {
            let tokens: Vec<Token> = self.clients.iter().map(|c| c.token).collect();
            for t in tokens {
                self.on_readable(t, false);
            }
        }
        let Some(mut poll) = self.poll.take() else { return };
        let mut events = Events::with_capacity(256);
        let _ = poll.poll(&mut events, Some(Duration::ZERO));
        self.poll = Some(poll);
        for ev in events.iter() {
            match ev.token() {
                SIGNAL_TOKEN => self.signal_pending = true,
                t if t.0 < CLIENT_BASE => self.accept(t.0 - LISTENER_BASE),
                t if self.clients.get(t).is_none() => self.pending_reads.push(t),
                t => {
                    if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                        self.on_readable(t, ev.is_read_closed() || ev.is_error());
                    }
                    if ev.is_writable() {
                        self.on_writable(t);
                    }
                }
            }
        }
        self.flush_pending();
    }

    fn on_writable(&mut self, token: Token) {
        let Some(c) = self.clients.get_mut(token) else { return };
        if !c.in_pending {
            c.in_pending = true;
            self.pending_writes.push(token);
        }
    }

    /// Runs every complete request in the client's query buffer.
    pub fn process_input(&mut self, c: &mut Client) {
        let qbuf = std::mem::take(&mut c.qbuf);
        let mut pos = c.qpos;
        c.reserve_hint = 0;
        let mut argv: Vec<&[u8]> = Vec::with_capacity(16);
        let max_bulk = self.config.int(D::ProtoMaxBulkLen);
        while pos < qbuf.len() && !c.close_after_reply && !c.close_asap && !c.blocked {
            let limits = Limits { proto_max_bulk_len: max_bulk, authenticated: c.authenticated };
            match c.parser.parse(&qbuf[pos..], limits) {
                Parsed::Complete { consumed } => {
                    let start = pos;
                    if let Some(owned) = c.parser.take_owned() {
                        let refs: Vec<&[u8]> = owned.iter().map(|v| v.as_slice()).collect();
                        if refs.is_empty() {
                            pos += consumed;
                            continue;
                        }
                        if self.must_postpone(c, &refs) {
                            break;
                        }
                        pos += consumed;
                        c.running_qbuf = qbuf.len() - start;
                        self.call(c, &refs);
                        self.serve_ready_keys();
                        continue;
                    }
                    argv.clear();
                    let base = &qbuf[start..];
                    argv.extend(c.parser.args().iter().map(|r| &base[r.clone()]));
                    if argv.is_empty() {
                        pos += consumed;
                        continue;
                    }
                    if self.must_postpone(c, &argv) {
                        break;
                    }
                    pos += consumed;
                    // For CLIENT LIST's qbuf= of the running command.
                    c.running_qbuf = qbuf.len() - start;
                    self.call(c, &argv);
                    self.serve_ready_keys();
                }
                Parsed::Incomplete { reserve } => {
                    // Make room for a big bulk in one step on the next read.
                    c.reserve_hint = reserve;
                    break;
                }
                Parsed::Error(msg) => {
                    c.reply.error(&format!("ERR {msg}"));
                    self.count_error(c);
                    debug!("Protocol error ({}) from client: id={} addr={}", msg, c.id, c.addr);
                    c.close_after_reply = true;
                    pos = qbuf.len();
                }
            }
        }
        c.qbuf = qbuf;
        // Not running a command any more: CLIENT LIST shows the real backlog.
        c.running_qbuf = 0;
        if pos >= c.qbuf.len() {
            c.qbuf.clear();
            c.qpos = 0;
            if c.qbuf.capacity() > 1024 * 1024 {
                c.qbuf = Vec::new();
            }
        } else {
            c.qpos = pos;
        }
    }

    /// True if CLIENT PAUSE holds this command back (the client then waits).
    fn must_postpone(&mut self, c: &mut Client, argv: &[&[u8]]) -> bool {
        let Some((mode, until)) = self.pause else { return false };
        if until <= self.ks.now_ms {
            self.pause = None;
            return false;
        }
        let held = match mode {
            PauseMode::All => true,
            PauseMode::Write => match self.commands.resolve(argv) {
                Ok(id) => {
                    let f = self.commands.entries[id].spec.flags;
                    let exec_writes = c.tx.active && c.tx.exec_writes() && self.commands.entries[id].fullname == "exec";
                    f & (commands::WRITE | commands::MAY_REPLICATE) != 0 || exec_writes
                }
                Err(_) => false,
            },
        };
        if held && !self.paused_clients.contains(&c.token) {
            self.paused_clients.push(c.token);
        }
        held
    }

    /// Counts the error replies a command produced (INFO errorstats).
    fn count_error(&mut self, c: &mut Client) {
        self.stats.count_errors(c);
    }

    /// Checks and runs one command: lookup, arity, auth, then the handler, with
    /// stats, slowlog and MONITOR around it. Inside MULTI, a command that
    /// passes the checks is queued instead (see `multi.rs`). EXEC runs the
    /// queued commands through here again, nested.
    pub fn call(&mut self, c: &mut Client, argv: &[&[u8]]) {
        // A command run by EXEC or by a script: the checks about the server's
        // state, CLIENT REPLY and the clock belong to the command around it.
        let inner = c.tx.executing || matches!(c.conn, Conn::None);
        // A script or a transaction sees one clock for its whole run, as Redis does.
        if !self.scripting.is_running() && !c.tx.executing {
            self.ks.now_ms = crate::util::unix_ms();
        }
        let id = match self.commands.resolve(argv) {
            Ok(id) => id,
            Err(e) => {
                self.reject(c, None, argv, &e);
                return;
            }
        };
        let spec = self.commands.entries[id].spec;
        let argc = argv.len() as i32;
        if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
            let msg = errors::arity(&self.commands.entries[id].fullname);
            self.reject(c, Some(id), argv, &msg);
            return;
        }
        if spec.flags & commands::PROTECTED != 0 && !self.debug_allowed(c) {
            let msg = errors::protected_command(&self.commands.entries[id].fullname);
            self.reject(c, Some(id), argv, &msg);
            return;
        }
        if !c.authenticated && spec.flags & commands::NO_AUTH == 0 {
            self.reject(c, Some(id), argv, errors::NOAUTH);
            return;
        }
        if c.tx.active && !c.tx.executing && spec.flags & commands::NO_MULTI != 0 {
            self.reject(c, Some(id), argv, errors::NOT_IN_MULTI);
            return;
        }
        // Commands EXEC runs were checked with it; a script's commands are
        // checked one by one (memory against the state found when the
        // script started).
        if !c.tx.executing {
            if let Some(msg) = self.state_refusal(c, id) {
                self.reject(c, Some(id), argv, msg);
                return;
            }
        }
        if c.pubsub.active() && !c.reply.resp3 && !pubsub::allowed_while_subscribed(&self.commands.entries[id].fullname)
        {
            let msg = pubsub::not_allowed_error(&self.commands.entries[id].fullname);
            self.reject(c, Some(id), argv, &msg);
            return;
        }
        if self.ks.loading && spec.flags & commands::LOADING == 0 && c.token != crate::scripting::SCRIPT_CLIENT_TOKEN {
            self.reject(c, Some(id), argv, errors::LOADING);
            return;
        }
        if let Some(busy) = self.scripting.busy_error(c.token, spec.flags) {
            self.reject(c, Some(id), argv, busy);
            return;
        }
        let fullname = &self.commands.entries[id].fullname;
        if !c.tx.executing && c.last_cmd != *fullname {
            c.last_cmd.clear();
            c.last_cmd.push_str(fullname);
        }
        // MISCONF: writes (EXEC of a transaction that writes too) are refused
        // while persistence is failing; the commands EXEC runs were checked
        // with it.
        if !c.tx.executing {
            let writes = spec.flags & commands::WRITE != 0
                || (fullname == "exec" && c.tx.flags & commands::WRITE != 0)
                || fullname == "ping";
            if let Some(msg) = crate::persistence::deny_write(self, writes) {
                self.reject(c, Some(id), argv, &msg);
                return;
            }
        }
        if !inner && self.ks.track_writes {
            // tracking-table-max-keys, then what was evicted for this
            // command: both announced before its reply.
            self.tracking_limit_keys(Some(c));
            self.tracking_drain(Some(c));
        }
        let fullname = &self.commands.entries[id].fullname;
        if c.tx.active && !c.tx.executing && !multi::runs_in_multi(fullname) {
            self.queue_command(c, id, argv);
            return;
        }
        // CLIENT REPLY OFF/SKIP: run the command but drop what it writes.
        let mark = c.reply.buf.len();
        let skipping = !inner
            && match c.reply_mode {
                ReplyMode::On => false,
                ReplyMode::Off => true,
                ReplyMode::SkipNext => {
                    c.reply_mode = ReplyMode::Skip;
                    true
                }
                ReplyMode::Skip => true,
            };
        self.ks.touch = !c.no_touch;
        self.arm_output_limit(c);
        let start = Instant::now();
        let prop_mark = crate::persistence::propagate::before_call(self);
        let outer_script_read = std::mem::take(&mut self.tracking.script_read);
        (spec.handler)(&mut Ctx { srv: self, client: c }, argv);
        let script_read = std::mem::replace(&mut self.tracking.script_read, outer_script_read);
        crate::persistence::propagate::after_call(self, prop_mark, c, id, argv);
        let dur_ns = start.elapsed().as_nanos() as u64;
        let dur = dur_ns / 1000;
        self.ks.touch = true;
        if !self.ks.events.is_empty() {
            self.publish_queued_events(Some(c));
        }
        if skipping && c.reply_mode != ReplyMode::On && c.reply.buf.len() >= mark && !c.close_after_reply {
            c.reply.buf.truncate(mark);
            if c.reply_mode == ReplyMode::Skip {
                c.reply_mode = ReplyMode::On;
            }
        }
        // Pushes (Pub/Sub) are delivered even when the reply is dropped.
        if !c.pubsub.kept.is_empty() {
            c.reply.buf.append(&mut c.pubsub.kept);
        }
        self.enforce_output_limit(c);
        // Client-side caching: a script's read is its caller's; the keys a
        // tracking client read are remembered; its own changes are
        // announced after its reply.
        if matches!(c.conn, Conn::None) && spec.flags & commands::READONLY != 0 {
            self.tracking.script_read = true;
        }
        self.tracking_after_command(c, id, argv, script_read);
        if !inner && self.ks.track_writes {
            self.tracking_drain(Some(c));
        }
        // After the command, as Redis does: EXEC shows after the commands it
        // ran, SELECT with the database it selected.
        if !self.monitors.is_empty() && spec.flags & (commands::SKIP_MONITOR | commands::ADMIN) == 0 {
            self.feed_monitors(c, argv);
        }
        let failed = c.reply.errors > 0;
        self.count_error(c);
        let e = &mut self.commands.entries[id];
        e.stats.calls += 1;
        e.stats.usec += dur;
        if self.config.bool(D::LatencyTracking) {
            e.latency.record(dur_ns);
        }
        if failed {
            e.stats.failed_calls += 1;
        }
        self.stats.total_commands_processed += 1;
        if spec.flags & commands::SKIP_SLOWLOG == 0 {
            self.slowlog_push(c, argv, dur);
        }
        self.signal_command_keys(c.db, id, argv);
    }

    /// Refuses a command before it runs. Inside MULTI this aborts the
    /// transaction; a refused EXEC aborts it at once, telling why.
    fn reject(&mut self, c: &mut Client, id: Option<CmdId>, argv: &[&[u8]], msg: &str) {
        self.flag_transaction(c);
        if let Some(id) = id {
            self.commands.entries[id].stats.rejected_calls += 1;
            if self.commands.entries[id].fullname == "exec" {
                self.discard_transaction(c);
                let why = msg.strip_prefix("ERR ").unwrap_or(msg);
                c.reply.error(&format!("EXECABORT Transaction discarded because of: {why}"));
                self.count_error(c);
                if !self.monitors.is_empty() {
                    self.feed_monitors(c, argv);
                }
                return;
            }
        }
        c.reply.error(msg);
        self.count_error(c);
    }

    fn slowlog_push(&mut self, c: &Client, argv: &[&[u8]], dur: u64) {
        let threshold = self.config.int(D::SlowlogLogSlowerThan);
        if threshold < 0 || dur < threshold as u64 {
            return;
        }
        const MAX_ARGC: usize = 32;
        const MAX_STRING: usize = 128;
        let mut args: Vec<Vec<u8>> = Vec::new();
        for (i, a) in argv.iter().enumerate() {
            if i == MAX_ARGC - 1 && argv.len() > MAX_ARGC {
                args.push(format!("... ({} more arguments)", argv.len() - MAX_ARGC + 1).into_bytes());
                break;
            }
            if a.len() > MAX_STRING {
                let mut v = a[..MAX_STRING].to_vec();
                v.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes());
                args.push(v);
            } else {
                args.push(a.to_vec());
            }
        }
        let entry = SlowEntry {
            id: self.slowlog_next_id,
            time: self.ks.now_ms / 1000,
            duration_us: dur,
            argv: args,
            addr: c.addr.clone(),
            name: c.name.clone().unwrap_or_default(),
        };
        self.slowlog_next_id += 1;
        self.slowlog.push_front(entry);
        let max = self.config.int(D::SlowlogMaxLen).max(0) as usize;
        self.slowlog.truncate(max);
    }

    pub(crate) fn feed_monitors(&mut self, c: &Client, argv: &[&[u8]]) {
        let us = unix_us();
        let mut line = format!(
            "+{}.{:06} [{} {}]",
            us / 1_000_000,
            us % 1_000_000,
            c.db,
            if c.unix { format!("unix:{}", c.laddr) } else { c.addr.clone() }
        );
        // Credentials never reach MONITOR output (AUTH, HELLO ... AUTH user pass).
        let is_auth = argv[0].eq_ignore_ascii_case(b"auth");
        let is_hello = argv[0].eq_ignore_ascii_case(b"hello");
        let mut redact_from = usize::MAX;
        for (i, a) in argv.iter().enumerate() {
            if is_hello && a.eq_ignore_ascii_case(b"auth") {
                redact_from = i + 1;
            }
            line.push(' ');
            let secret = (is_auth && i >= 1) || (i >= redact_from && i < redact_from + 2);
            if secret {
                line.push_str("\"(redacted)\"");
            } else {
                line.push_str(&crate::config::repr_bytes(a));
            }
        }
        line.push_str("\r\n");
        let monitors = self.monitors.clone();
        let limits = self.obuf.for_class(obuf::Class::Normal, self.ks.now_ms);
        for t in monitors {
            if t == c.token {
                continue;
            }
            if let Some(m) = self.clients.get_mut(t) {
                if m.close_asap {
                    continue;
                }
                m.reply.encoded(line.as_bytes());
                if !m.in_pending {
                    m.in_pending = true;
                    self.pending_writes.push(t);
                }
                limits.enforce(m, &mut self.stats);
            }
        }
    }

    /// Writes pending output of every client that has some.
    fn flush_pending(&mut self) {
        // Invalidations for changes made outside commands (active expiry),
        // and the keys collected for BCAST prefixes.
        self.tracking_before_sleep();
        // Keyspace events noticed outside commands (blocked clients' lookups...).
        if !self.ks.events.is_empty() {
            self.publish_queued_events(None);
        }
        // What the commands propagated reaches the AOF before their replies leave.
        crate::persistence::before_sleep(self);
        let pending = std::mem::take(&mut self.pending_writes);
        for t in pending {
            let Some(c) = self.clients.get_mut(t) else { continue };
            c.in_pending = false;
            if c.close_asap {
                // Over its output buffer limit (Pub/Sub delivery): nothing more is written.
                self.close_client(t);
                continue;
            }
            let before = c.net_out;
            let res = c.flush();
            memory::account(&mut self.mem, c);
            let written = c.net_out - before;
            self.stats.net_output_bytes += written;
            if written > 0 {
                self.stats.total_writes_processed += 1;
            }
            match res {
                Ok(true) => {
                    if c.close_after_reply {
                        self.close_client(t);
                        continue;
                    }
                    if c.want_write {
                        c.want_write = false;
                        self.reregister(t, Interest::READABLE);
                    }
                }
                Ok(false) => {
                    if !c.want_write {
                        c.want_write = true;
                        self.reregister(t, Interest::READABLE | Interest::WRITABLE);
                    }
                }
                Err(_) => self.close_client(t),
            }
        }
        self.evict_clients_if_needed();
        // Clients held by CLIENT PAUSE get another chance once it ends.
        if self.pause.is_some_and(|(_, until)| until <= self.ks.now_ms) {
            self.pause = None;
        }
        if self.pause.is_none() && !self.paused_clients.is_empty() {
            let held = std::mem::take(&mut self.paused_clients);
            for t in held {
                if let Some(mut c) = self.clients.take(t) {
                    self.process_input(&mut c);
                    self.after_client_work(c);
                }
            }
            if !self.pending_writes.is_empty() {
                self.flush_pending();
            }
        }
    }

    fn reregister(&mut self, t: Token, interest: Interest) {
        let Some(reg) = self.registry.as_ref() else { return };
        let Some(c) = self.clients.get_mut(t) else { return };
        let _ = match &mut c.conn {
            Conn::Tcp(s) => reg.reregister(s, t, interest),
            Conn::Unix(s) => reg.reregister(s, t, interest),
            Conn::None => Ok(()),
        };
    }

    /// Disconnects a client and forgets everything about it.
    pub fn close_client(&mut self, t: Token) {
        let Some(mut c) = self.clients.remove(t) else { return };
        self.mem.clients_total = self.mem.clients_total.saturating_sub(c.mem_accounted);
        if let Some(reg) = self.registry.as_ref() {
            let _ = match &mut c.conn {
                Conn::Tcp(s) => reg.deregister(s),
                Conn::Unix(s) => reg.deregister(s),
                Conn::None => Ok(()),
            };
        }
        self.monitors.retain(|m| *m != t);
        self.paused_clients.retain(|m| *m != t);
        self.forget_blocked(t);
        self.pubsub_forget(&mut c);
        self.unwatch_all(&mut c);
        self.tracking_disable(&mut c);
        c.conn.shutdown();
    }

    /// Marks a client (not the one running a command) to be closed.
    pub fn kill_client(&mut self, t: Token) {
        if let Some(c) = self.clients.get_mut(t) {
            c.close_asap = true;
        }
        self.close_client(t);
    }

    /// Periodic work, `hz` times a second.
    fn cron(&mut self) {
        self.cronloops += 1;
        let now = crate::util::unix_ms();
        self.ks.now_ms = now;
        self.ops_metric.sample(now, self.stats.total_commands_processed);
        self.net_in_metric.sample(now, self.stats.net_input_bytes);
        self.net_out_metric.sample(now, self.stats.net_output_bytes);
        // Idle clients.
        let timeout = self.config.int(D::Timeout);
        if timeout > 0 {
            let idle: Vec<Token> = self
                .clients
                .iter()
                // Subscribers only listen: like Redis, `timeout` spares them.
                .filter(|c| {
                    !c.monitor && !c.blocked && !c.pubsub.active() && now - c.last_interaction_ms > timeout * 1000
                })
                .map(|c| c.token)
                .collect();
            for t in idle {
                debug!("Closing idle client");
                self.close_client(t);
            }
        }
        if self.tracking.info().0 > 0 {
            self.tracking_limit_keys(None);
        }
        // Active expiry: at most 25% of the cron period (Redis's budget).
        if self.ks.active_expire_enabled {
            let hz = self.config.int(D::Hz).clamp(1, 500) as u64;
            let effort = self.config.int(D::ActiveExpireEffort).clamp(1, 10) as u64;
            let budget = 1_000_000 * (25 + 2 * (effort - 1)) / hz / 100;
            self.ks.active_expire_cycle(budget);
            if !self.ks.events.is_empty() {
                self.publish_queued_events(None);
            }
        }
        // Shrink tables that emptied, and move rehashing along.
        for db in self.ks.dbs.iter_mut() {
            db.dict.resize_if_needed();
            db.expires.resize_if_needed();
            if self.config.bool(D::Activerehashing) {
                db.dict.rehash_for(1);
                db.expires.rehash_for(1);
            }
        }
        self.enforce_output_limits_cron();
        crate::persistence::cron(self);
        self.memory_cron();
        for c in self.clients.iter_mut() {
            if c.qbuf.is_empty() && c.qbuf.capacity() > 32 * 1024 {
                c.qbuf = Vec::new();
            }
            c.parser.shrink_if_idle();
        }
    }

    /// Refreshes what is derived from the configuration after CONFIG SET.
    pub fn config_changed(&mut self) {
        self.obuf = obuf::ObufLimits::from_config(&self.config);
        self.refresh_notify_flags();
        crate::persistence::aof::config_changed(self);
        self.apply_memory_config();
    }

    /// The client with this id, if connected (CLIENT KILL ID, CLIENT UNBLOCK).
    pub fn token_of(&self, id: u64) -> Option<Token> {
        self.clients.iter().find(|c| c.id == id).map(|c| c.token)
    }

    /// Clients whose commands wait for CLIENT PAUSE to end.
    pub fn paused_count(&self) -> usize {
        self.paused_clients.len()
    }

    /// Registers `t` for output flushing at the end of the loop iteration.
    pub fn schedule_write(&mut self, t: Token) {
        if let Some(c) = self.clients.get_mut(t) {
            if !c.in_pending {
                c.in_pending = true;
                self.pending_writes.push(t);
            }
        }
    }

    /// Whether DEBUG-like commands are allowed for this client.
    pub fn debug_allowed(&self, c: &Client) -> bool {
        match self.config.str(D::EnableDebugCommand) {
            "yes" => true,
            "local" => c.unix || c.addr.starts_with("127.") || c.addr.starts_with("[::1]"),
            _ => false,
        }
    }

    pub fn uptime_secs(&self) -> u64 {
        self.start_instant.elapsed().as_secs()
    }
}

fn fmt_addr(a: SocketAddr) -> String {
    match a {
        SocketAddr::V4(v) => format!("{}:{}", v.ip(), v.port()),
        SocketAddr::V6(v) => format!("{}:{}", v.ip(), v.port()),
    }
}

fn bind_tcp(ip: &str, port: u16, backlog: i32) -> io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let ipaddr: std::net::IpAddr =
        ip.parse().map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("invalid address {ip}")))?;
    let addr = SocketAddr::new(ipaddr, port);
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    sock.set_reuse_address(true)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    sock.listen(backlog)?;
    Ok(TcpListener::from_std(sock.into()))
}

const PROTECTED_MODE_ERROR: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";
