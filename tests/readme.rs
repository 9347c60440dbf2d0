//! Keeps the documentation true: `redis.conf.example` documents every
//! directive of the config table at its default (and loads, in the real
//! binary), and the "Supported commands" section of `README.md` lists exactly
//! the commands of the command table.
//!
//! When a command is added, `readme_lists_every_command` fails and prints the
//! section to paste into README.md.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oxidis::commands::CommandTable;
use oxidis::config::{Config, LoadReport, DEFAULT_ONLY, IMMUTABLE, PROTECTED, STORED_ONLY, TABLE};

const NOTE_DEFAULT_ONLY: &str = "oxidis: only the default is accepted: the feature does not exist yet.";
const NOTE_STORED_ONLY: &str = "oxidis: accepted and stored; takes effect when the feature lands.";
const NOTE_IMMUTABLE: &str = "Start-up only: CONFIG SET refuses it.";
const NOTE_PROTECTED: &str = "Protected: CONFIG SET changes it only when enable-protected-configs allows it.";

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn read_repo_file(name: &str) -> String {
    std::fs::read_to_string(repo_file(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

// ---------------------------------------------------------------- the server

/// A server started with a config file as its first argument (as
/// `redis-server /path/to/redis.conf --port N` is), killed by PID on drop.
struct ConfServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for ConfServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn answers_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(7) if &buf[..7] == b"+PONG\r\n")
}

/// Starts the binary as `oxidis-server <conf> --port P --bind 127.0.0.1`, in
/// `dir` (its working directory), and waits until it answers PING.
fn start_with_config(conf: &Path, dir: PathBuf) -> ConfServer {
    let mut last_err = String::new();
    for _ in 0..5 {
        let port = common::free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
            .arg(conf)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn oxidis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                let mut out = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut out);
                }
                last_err = format!("exited with {status}: {out}");
                break;
            }
            if answers_ping(port) {
                // Nobody reads the pipes from here on: let the logs go nowhere.
                drop(child.stdout.take());
                drop(child.stderr.take());
                return ConfServer { child, port, dir };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("oxidis-server did not start with {}: {last_err}", conf.display());
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("oxidis-readme-{tag}-{}-{}", std::process::id(), common::free_port()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn server_starts_with_the_example_config() {
    let srv = start_with_config(&repo_file("redis.conf.example"), temp_dir("example"));
    assert!(answers_ping(srv.port));
}

/// Every directive line of the example, uncommented, through `include`: the
/// real binary must start with all of them at their documented defaults.
#[test]
fn server_starts_with_every_example_directive_uncommented() {
    let dir = temp_dir("uncommented");
    std::fs::write(dir.join("defaults.conf"), uncommented_directives(&read_repo_file("redis.conf.example")))
        .expect("write");
    std::fs::write(dir.join("main.conf"), "# the example, every directive uncommented\ninclude defaults.conf\n")
        .expect("write");
    let srv = start_with_config(&dir.join("main.conf"), dir.clone());
    assert!(answers_ping(srv.port));
}

// ------------------------------------------------------ redis.conf.example

/// One paragraph of the example: the comment lines describing a directive,
/// then a bare `#`, then the directive line(s) themselves, commented out.
struct DirectiveBlock {
    description: Vec<String>,
    /// The directive lines without their leading `# `.
    lines: Vec<String>,
}

fn is_known_name(word: &str) -> bool {
    word == "include" || TABLE.iter().any(|d| d.name == word || d.aliases.contains(&word))
}

/// Splits the example into paragraphs and keeps the ones that end with
/// directive lines (prose paragraphs are skipped).
fn directive_blocks(text: &str) -> Vec<DirectiveBlock> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let lines: Vec<&str> = para.lines().collect();
        let Some(bare) = lines.iter().rposition(|l| l.trim_end() == "#") else {
            continue;
        };
        let tail = &lines[bare + 1..];
        let is_directive_line =
            |l: &&str| l.strip_prefix("# ").and_then(|rest| rest.split_whitespace().next()).is_some_and(is_known_name);
        if tail.is_empty() || !tail.iter().all(is_directive_line) {
            continue;
        }
        out.push(DirectiveBlock {
            description: lines[..bare].iter().map(|l| l.to_string()).collect(),
            lines: tail.iter().map(|l| l["# ".len()..].to_string()).collect(),
        });
    }
    out
}

/// The example's directive lines, uncommented (`include` lines left out).
fn uncommented_directives(text: &str) -> String {
    let mut out = String::new();
    for b in directive_blocks(text) {
        for l in b.lines {
            if !l.starts_with("include ") {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn example_documents_every_directive_honestly() {
    let text = read_repo_file("redis.conf.example");
    let blocks = directive_blocks(&text);
    let mut problems = Vec::new();
    assert!(
        blocks.iter().any(|b| b.lines.iter().any(|l| l.starts_with("include "))),
        "redis.conf.example must document `include`"
    );
    for d in TABLE {
        if !text.contains(d.name) {
            problems.push(format!("{}: not mentioned at all", d.name));
            continue;
        }
        let found: Vec<&DirectiveBlock> =
            blocks.iter().filter(|b| b.lines.iter().any(|l| l.split_whitespace().next() == Some(d.name))).collect();
        let [block] = found.as_slice() else {
            problems.push(format!(
                "{}: expected one block ending in `# {} <default>`, found {}",
                d.name,
                d.name,
                found.len()
            ));
            continue;
        };
        let desc = block.description.join("\n");
        if !desc.contains("# Default:") {
            problems.push(format!("{}: no `# Default:` line", d.name));
        }
        for alias in d.aliases {
            if !desc.contains(alias) {
                problems.push(format!("{}: alias {alias} not mentioned", d.name));
            }
        }
        for (flag, note) in [
            (DEFAULT_ONLY, NOTE_DEFAULT_ONLY),
            (STORED_ONLY, NOTE_STORED_ONLY),
            (IMMUTABLE, NOTE_IMMUTABLE),
            (PROTECTED, NOTE_PROTECTED),
        ] {
            match (d.flags & flag != 0, desc.contains(note)) {
                (true, false) => problems.push(format!("{}: flagged, but the note `{note}` is missing", d.name)),
                (false, true) => problems.push(format!("{}: not flagged, but says `{note}`", d.name)),
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "redis.conf.example is out of date:\n  {}", problems.join("\n  "));
}

/// Every documented directive line, uncommented, loads, and sets its
/// directive to the table's default: the example shows real defaults.
#[test]
fn example_lines_are_the_defaults() {
    let text = uncommented_directives(&read_repo_file("redis.conf.example"));
    let mut cfg = Config::default();
    let mut report = LoadReport::default();
    cfg.load_text(&text, &mut report, Path::new(".")).unwrap_or_else(|e| panic!("example does not load:{e}"));
    let defaults = Config::default();
    let mut wrong = Vec::new();
    for (i, d) in TABLE.iter().enumerate() {
        // `dir ./` is the documented form of the default "where the server was started".
        if d.name == "dir" {
            continue;
        }
        let (got, want) = (cfg.get_formatted(i), defaults.get_formatted(i));
        if got != want {
            wrong.push(format!("{}: the example gives '{got}', the default is '{want}'", d.name));
        }
    }
    assert!(wrong.is_empty(), "redis.conf.example shows wrong defaults:\n  {}", wrong.join("\n  "));
}

// --------------------------------------------------------------- README.md

/// The greppable lines of README.md's "Supported commands" section, generated
/// from the command table: a total, then one line per group with the
/// commands in upper case, sorted, subcommands written `CONTAINER|SUB`.
fn supported_commands_lines() -> Vec<String> {
    let table = CommandTable::new();
    let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let (mut top, mut subs) = (0, 0);
    for e in &table.entries {
        if e.parent.is_some() {
            subs += 1;
        } else {
            top += 1;
        }
        groups.entry(e.spec.group).or_default().push(e.fullname.to_uppercase());
    }
    let mut lines = vec![format!("Total: {top} commands and {subs} subcommands.")];
    for (group, mut names) in groups {
        names.sort();
        let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        lines.push(format!("- **{group}** ({}): {}", names.len(), list.join(", ")));
    }
    lines
}

/// The `Total:` and `- **group**` lines of README.md's "## Supported commands".
fn readme_commands_lines(readme: &str) -> Vec<String> {
    let mut in_section = false;
    let mut out = Vec::new();
    for line in readme.lines() {
        if line.starts_with("## ") {
            in_section = line.trim() == "## Supported commands";
            continue;
        }
        if in_section && (line.starts_with("- **") || line.starts_with("Total: ")) {
            out.push(line.trim_end().to_string());
        }
    }
    out
}

#[test]
fn readme_lists_every_command() {
    let readme = read_repo_file("README.md");
    let want = supported_commands_lines();
    let got = readme_commands_lines(&readme);
    if got != want {
        let have: HashSet<&str> = got.iter().map(String::as_str).collect();
        let differing: Vec<&str> = want.iter().map(String::as_str).filter(|l| !have.contains(l)).collect();
        panic!(
            "README.md's \"## Supported commands\" section does not match the command table.\n\
             Lines that differ or are missing:\n{}\n\n\
             Replace the `Total:` and `- **group**` lines of that section with:\n\n{}\n",
            differing.join("\n"),
            want.join("\n")
        );
    }
}
