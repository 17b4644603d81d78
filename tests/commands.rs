//! Every shell command the docs show is checked, so a documented command that fails fails CI.
//!
//! The commands are the lines of ```` ```sh ````, ```` ```bash ````, ```` ```shell ```` and
//! ```` ```console ```` blocks (in `console`, the `$ ` lines), and the inline code spans that start
//! with `cargo`, `bash`, `curl` or an `authx` subcommand, in README.md, ARCHITECTURE.md,
//! SECURITY.md, CONTRIBUTING.md, cli/README.md, bench/README.md, the guide (`authx/docs/*.md`)
//! and the `//!` doc comments of the examples, the CLI and xtask.
//!
//! A command is read as the shell reads it (quotes, `\` continuations, comments, `;`, `|`, `&`,
//! `&&`, redirections, `VAR=value` prefixes, `export`, `$(...)`, which is checked too), then by
//! the rule for its program:
//!
//! - `cargo run`, `test`, `bench`, `build`, `check`, `clippy`, `doc`, `fmt`, `add`, `install`,
//!   `fuzz`, `deny` and `xtask`: parsed against the workspace (`cargo metadata`): options cargo
//!   knows, packages, examples, binaries, tests and benches that exist, features of the package,
//!   an example's required features enabled, one binary for `cargo run` (or `--bin`), xtask tasks
//!   and fuzz targets that exist. Running them would take minutes (benchmarks, the soak, the test
//!   suite itself), so they are resolved, not run.
//! - `authx ...` and `cargo run -p authx-cli -- ...`: parsed by the CLI's own clap parser.
//! - `curl ...`: sent to the example app the page is about (the last `cargo run --example X`
//!   before it on the page; the quickstart when there is none; an example's own doc comments talk
//!   to that example), started in process: the method and path must be routed (not `404`, not
//!   `405`). Apps that need an outside service (PostgreSQL, an identity provider) are checked
//!   against the routes their source declares instead.
//! - `bash SCRIPT`: the script exists.
//! - a short allow-list of system programs (`head`, `awk`, `jq`, `redis-server`, `wrk`...),
//!   whose arguments are not checked.
//!
//! A command that no rule understands fails with its file and line: a new doc cannot add a
//! command nobody checks. A word with `<`, `[` or `...` is a placeholder: what follows it is not
//! checked, and the command may lack the arguments it requires (as may an inline span, which
//! often names a command rather than gives it whole: `authx keys rotate`); whatever it does show
//! must be right. `a/b` in a subcommand position of `authx` names two subcommands, which must
//! exist.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

#[path = "../examples/readme.rs"]
#[allow(dead_code)]
mod readme;

#[path = "../examples/manual.rs"]
#[allow(dead_code)]
mod manual;

#[path = "../examples/middleware.rs"]
#[allow(dead_code)]
mod middleware;

#[path = "../examples/websocket.rs"]
#[allow(dead_code)]
mod websocket;

#[path = "../examples/documents.rs"]
#[allow(dead_code)]
mod documents;

#[path = "../examples/vault.rs"]
#[allow(dead_code)]
mod vault;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use authx::{Auth, AuthConfig, TokenLocation};
use authx_examples::demo::Users;
use authx_tests::{TestServer, client};
use axum::Router;
use clap::{CommandFactory, Parser};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The markdown files whose commands are checked; each must exist.
const PAGES: &[&str] = &[
    "README.md",
    "ARCHITECTURE.md",
    "SECURITY.md",
    "CONTRIBUTING.md",
    "cli/README.md",
    "bench/README.md",
];

/// Directories whose `*.md` pages are checked.
const PAGE_DIRS: &[&str] = &["authx/docs"];

/// Rust sources whose `//!` doc comments are checked (directories: every `*.rs` in them).
const DOC_COMMENTS: &[&str] = &["examples", "cli/src/lib.rs", "xtask/src/main.rs"];

/// Code block languages that hold shell commands.
const SHELL_LANGS: &[&str] = &["sh", "bash", "shell", "zsh", "console"];

/// Programs a doc may run whose arguments are not checked: standard tools, and the services
/// and load generators the docs tell the reader to start.
const SYSTEM: &[&str] = &[
    "awk",
    "base64",
    "cat",
    "cd",
    "chmod",
    "echo",
    "grep",
    "head",
    "jq",
    "kill",
    "ls",
    "mkdir",
    "oha",
    "openssl",
    "pg_ctlcluster",
    "printf",
    "python3",
    "redis-cli",
    "redis-server",
    "rm",
    "sed",
    "sleep",
    "tail",
    "tee",
    "unset",
    "valgrind",
    "websocat",
    "wrk",
];

// ----- Finding the commands --------------------------------------------------------------------

/// Shell text as a doc shows it: a block, or an inline code span.
#[derive(Debug, Clone)]
struct Shown {
    /// The line of its first character (1-based).
    line: usize,
    text: String,
    inline: bool,
    /// An inline synopsis cut at its first placeholder (`bash fuzz/run [SECONDS]`).
    cut: bool,
}

/// The shell blocks and command-like inline spans of a markdown text, in document order.
fn shown_commands(text: &str) -> Vec<Shown> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut prose: Vec<(usize, &str)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // A fence (CommonMark): three or more backticks or tildes; it closes at a line of the
        // same character only, at least as long.
        let trimmed = lines[i].trim_start();
        let mark = trimmed.chars().next().unwrap_or(' ');
        let run = trimmed.chars().take_while(|&c| c == mark).count();
        if !matches!(mark, '`' | '~') || run < 3 {
            prose.push((i + 1, lines[i]));
            i += 1;
            continue;
        }
        out.extend(inline_commands(&prose));
        prose.clear();
        let lang = trimmed[run..]
            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let start = i + 1;
        i += 1;
        let mut body = Vec::new();
        while i < lines.len() {
            let t = lines[i].trim();
            if t.len() >= run && t.chars().all(|c| c == mark) {
                break;
            }
            body.push(lines[i]);
            i += 1;
        }
        i += 1; // the closing fence
        if !SHELL_LANGS.contains(&lang.as_str()) {
            continue;
        }
        let text = if lang == "console" {
            // Prompts are commands, the rest is output; blank lines keep the line numbers.
            body.iter()
                .map(|l| l.trim_start().strip_prefix("$ ").unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            body.join("\n")
        };
        out.push(Shown {
            line: start + 1,
            text,
            inline: false,
            cut: false,
        });
    }
    out.extend(inline_commands(&prose));
    out
}

/// The inline code spans of prose that are commands. A span may cross a line break, never a
/// blank line.
fn inline_commands(prose: &[(usize, &str)]) -> Vec<Shown> {
    let mut out = Vec::new();
    let mut para: Vec<(usize, &str)> = Vec::new();
    for &(n, l) in prose.iter().chain(std::iter::once(&(0, ""))) {
        if !l.trim().is_empty() {
            para.push((n, l));
            continue;
        }
        if para.is_empty() {
            continue;
        }
        // One string for the paragraph, with the line of each character.
        let mut chars = Vec::new();
        for &(n, l) in &para {
            chars.extend(l.chars().map(|c| (n, c)));
            chars.push((n, '\n'));
        }
        para.clear();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].1 != '`' {
                i += 1;
                continue;
            }
            let run = chars[i..].iter().take_while(|c| c.1 == '`').count();
            let open = i;
            i += run;
            let mut j = i;
            let mut close = None;
            while j < chars.len() {
                if chars[j].1 == '`' {
                    let r = chars[j..].iter().take_while(|c| c.1 == '`').count();
                    if r == run {
                        close = Some(j);
                        break;
                    }
                    j += r;
                } else {
                    j += 1;
                }
            }
            let Some(close) = close else { continue };
            let span: String = chars[i..close]
                .iter()
                .map(|c| if c.1 == '\n' { ' ' } else { c.1 })
                .collect();
            // A synopsis is checked up to its first placeholder, before the shell reads `<`,
            // `[` or `|` in it.
            let words: Vec<&str> = span.split_whitespace().collect();
            let kept: Vec<&str> = words
                .iter()
                .copied()
                .take_while(|w| !is_placeholder(w))
                .collect();
            let text = kept.join(" ");
            if is_inline_command(&text) {
                out.push(Shown {
                    line: chars[open].0,
                    cut: kept.len() < words.len(),
                    text,
                    inline: true,
                });
            }
            i = close + run;
        }
    }
    out
}

/// Whether an inline code span is a command rather than a name: `cargo ...`, `bash ...`,
/// `curl ...`, or `authx` followed by one of its subcommands or an option.
fn is_inline_command(span: &str) -> bool {
    let mut words = span.split_whitespace();
    match (words.next(), words.next()) {
        (Some("cargo" | "bash" | "curl"), Some(_)) => true,
        (Some("authx"), Some(second)) => {
            let first = second.split('/').next().unwrap_or("");
            second.starts_with('-') || cli_subcommands().contains(&first.to_owned())
        }
        _ => false,
    }
}

fn cli_subcommands() -> &'static Vec<String> {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        authx_cli::Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect()
    })
}

/// A Rust file's `//!` doc comments as markdown; other lines are blank, so line numbers hold.
fn doc_comments(source: &str) -> String {
    source
        .lines()
        .map(|l| {
            let t = l.trim_start();
            t.strip_prefix("//!")
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .unwrap_or("")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every checked document: its path from the workspace root and its markdown text. A listed
/// page that is missing is an empty text and a finding.
fn documents() -> (Vec<(String, String)>, Vec<String>) {
    let mut docs = Vec::new();
    let mut missing = Vec::new();
    let read = |path: &str| std::fs::read_to_string(format!("{ROOT}/{path}"));
    for page in PAGES {
        match read(page) {
            Ok(text) => docs.push(((*page).to_owned(), text)),
            Err(_) => missing.push((*page).to_owned()),
        }
    }
    for dir in PAGE_DIRS {
        for path in files_in(dir, "md") {
            docs.push((path.clone(), read(&path).unwrap()));
        }
    }
    for place in DOC_COMMENTS {
        let paths = if place.ends_with(".rs") {
            vec![(*place).to_owned()]
        } else {
            files_in(place, "rs")
        };
        for path in paths {
            let text = doc_comments(&read(&path).unwrap());
            docs.push((path, text));
        }
    }
    (docs, missing)
}

/// The files with extension `ext` in `dir` (not recursive), sorted, as paths from the root.
fn files_in(dir: &str, ext: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(format!("{ROOT}/{dir}"))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
        .map(|p| format!("{dir}/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    out.sort();
    out
}

// ----- Reading shell ---------------------------------------------------------------------------

/// A shell word: its text with quotes removed (variables and `$(...)` left as written), and the
/// command substitutions in it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Word {
    text: String,
    subs: Vec<String>,
}

/// A simple command: its line and its words (redirections dropped).
#[derive(Debug, Clone, PartialEq)]
struct Simple {
    line: usize,
    words: Vec<Word>,
}

/// Reads shell text into simple commands: quotes, `\` escapes and line continuations, `#`
/// comments, `;` `&` `|` `&&` `||` and newlines between commands, redirections, `$(...)`.
/// Subshells, backquotes and here-documents are refused (no doc needs them).
fn parse_shell(src: &str, first_line: usize) -> Result<Vec<Simple>, (usize, String)> {
    let c: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut line = first_line;
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut word: Option<Word> = None;
    let mut start = line;

    fn end_word(word: &mut Option<Word>, words: &mut Vec<Word>) {
        if let Some(w) = word.take() {
            words.push(w);
        }
    }
    fn end_cmd(words: &mut Vec<Word>, out: &mut Vec<Simple>, start: usize) {
        if !words.is_empty() {
            out.push(Simple {
                line: start,
                words: std::mem::take(words),
            });
        }
    }
    /// Reads `$(...)` from just after `$(`: the inner text, and the index after `)`.
    fn substitution(c: &[char], mut i: usize, line: usize) -> Result<(String, usize), String> {
        let begin = i;
        let mut depth = 1;
        while i < c.len() {
            match c[i] {
                '\\' => i += 1,
                '\'' => {
                    i += 1;
                    while i < c.len() && c[i] != '\'' {
                        i += 1;
                    }
                }
                '"' => {
                    i += 1;
                    while i < c.len() && c[i] != '"' {
                        if c[i] == '\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((c[begin..i].iter().collect(), i + 1));
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err(format!("line {line}: unterminated $("))
    }

    while i < c.len() {
        let ch = c[i];
        if word.is_none() && words.is_empty() && !ch.is_whitespace() {
            start = line;
        }
        match ch {
            '\\' if c.get(i + 1) == Some(&'\n') => {
                i += 2;
                line += 1;
            }
            '\\' => {
                if let Some(&next) = c.get(i + 1) {
                    word.get_or_insert_default().text.push(next);
                }
                i += 2;
            }
            ' ' | '\t' | '\r' => {
                end_word(&mut word, &mut words);
                i += 1;
            }
            '\n' => {
                end_word(&mut word, &mut words);
                end_cmd(&mut words, &mut out, start);
                line += 1;
                i += 1;
            }
            '#' if word.is_none() => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            ';' | '&' | '|' => {
                end_word(&mut word, &mut words);
                end_cmd(&mut words, &mut out, start);
                i += 1;
                if c.get(i) == Some(&ch) {
                    i += 1;
                }
            }
            '>' | '<' => {
                // `2>`: the digits were the descriptor, not a word.
                if word.as_ref().is_some_and(|w| {
                    w.subs.is_empty() && w.text.chars().all(|d| d.is_ascii_digit())
                }) {
                    word = None;
                }
                end_word(&mut word, &mut words);
                if ch == '<' && c.get(i + 1) == Some(&'<') {
                    return Err((line, "here-documents are not understood".into()));
                }
                i += 1;
                if c.get(i) == Some(&'>') {
                    i += 1;
                }
                if c.get(i) == Some(&'&') {
                    i += 1;
                    while i < c.len() && (c[i].is_ascii_digit() || c[i] == '-') {
                        i += 1;
                    }
                    continue;
                }
                while i < c.len() && (c[i] == ' ' || c[i] == '\t') {
                    i += 1;
                }
                // The target: one word, read and dropped.
                let mut target = None;
                while i < c.len() && !" \t\n;&|<>".contains(c[i]) {
                    match c[i] {
                        '\'' | '"' => {
                            let q = c[i];
                            i += 1;
                            while i < c.len() && c[i] != q {
                                i += 1;
                            }
                            i += 1;
                        }
                        _ => i += 1,
                    }
                    target = Some(());
                }
                if target.is_none() {
                    return Err((line, "a redirection without a target".into()));
                }
            }
            '(' | ')' | '`' => {
                return Err((
                    line,
                    format!("`{ch}`: subshells and backquotes are not understood"),
                ));
            }
            '\'' => {
                let w = word.get_or_insert_default();
                i += 1;
                while i < c.len() && c[i] != '\'' {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    w.text.push(c[i]);
                    i += 1;
                }
                if i >= c.len() {
                    return Err((line, "unterminated '".into()));
                }
                i += 1;
            }
            '"' => {
                let w = word.get_or_insert_default();
                i += 1;
                loop {
                    match c.get(i) {
                        None => return Err((line, "unterminated \"".into())),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if matches!(c.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            w.text.push(c[i + 1]);
                            i += 2;
                        }
                        Some('$') if c.get(i + 1) == Some(&'(') => {
                            let (inner, next) =
                                substitution(&c, i + 2, line).map_err(|e| (line, e))?;
                            w.text.push_str(&format!("$({inner})"));
                            w.subs.push(inner);
                            i = next;
                        }
                        Some(&x) => {
                            if x == '\n' {
                                line += 1;
                            }
                            w.text.push(x);
                            i += 1;
                        }
                    }
                }
            }
            '$' if c.get(i + 1) == Some(&'(') => {
                let (inner, next) = substitution(&c, i + 2, line).map_err(|e| (line, e))?;
                line += inner.matches('\n').count();
                let w = word.get_or_insert_default();
                w.text.push_str(&format!("$({inner})"));
                w.subs.push(inner);
                i = next;
            }
            _ => {
                word.get_or_insert_default().text.push(ch);
                i += 1;
            }
        }
    }
    end_word(&mut word, &mut words);
    end_cmd(&mut words, &mut out, start);
    Ok(out)
}

/// `NAME=value`: the name and the value.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some((name, value))
}

/// A placeholder of a synopsis (`<command>`, `[SECONDS]`, `...`): nothing after it is checked.
fn is_placeholder(word: &str) -> bool {
    word.contains('<') || word.contains('[') || word.contains("...") || word.contains('…')
}

// ----- The workspace ---------------------------------------------------------------------------

#[derive(Debug)]
struct Target {
    name: String,
    kinds: Vec<String>,
    required_features: Vec<String>,
}

#[derive(Debug)]
struct Package {
    name: String,
    features: BTreeMap<String, Vec<String>>,
    targets: Vec<Target>,
    default_run: Option<String>,
    dependencies: BTreeSet<String>,
    publish: bool,
    dir: String,
}

impl Package {
    fn target(&self, kind: &str, name: &str) -> Option<&Target> {
        self.targets
            .iter()
            .find(|t| t.name == name && t.kinds.iter().any(|k| k == kind))
    }

    fn targets_of(&self, kind: &str) -> Vec<&Target> {
        self.targets
            .iter()
            .filter(|t| t.kinds.iter().any(|k| k == kind))
            .collect()
    }

    /// Whether `--features f` names something of this package: its feature, or `dep/feature`.
    fn knows_feature(&self, f: &str) -> bool {
        match f.split_once('/') {
            Some((dep, _)) => dep == self.name || self.dependencies.contains(dep),
            None => self.features.contains_key(f),
        }
    }

    /// The package's features enabled by a command line (defaults, the given ones, and what
    /// they enable in turn).
    fn enabled(&self, given: &[String], all: bool, no_default: bool) -> BTreeSet<String> {
        if all {
            return self.features.keys().cloned().collect();
        }
        let mut todo: Vec<String> = given.to_vec();
        if !no_default {
            todo.push("default".into());
        }
        let mut on = BTreeSet::new();
        while let Some(f) = todo.pop() {
            if let Some(more) = self.features.get(&f)
                && on.insert(f)
            {
                todo.extend(
                    more.iter()
                        .filter(|m| !m.contains(':') && !m.contains('/'))
                        .cloned(),
                );
            }
        }
        on
    }
}

#[derive(Debug)]
struct Workspace {
    packages: Vec<Package>,
    /// What a command without `-p` or `--workspace` selects.
    default_members: Vec<String>,
    /// `cargo xtask <task>`: the tasks xtask/src/main.rs dispatches on.
    xtask_tasks: Vec<String>,
    /// `cargo fuzz run <target>`: fuzz/Cargo.toml's binaries.
    fuzz_targets: Vec<String>,
}

impl Workspace {
    fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }
}

/// The workspace, from `cargo metadata --format-version 1 --no-deps` (run once).
fn workspace() -> &'static Workspace {
    static WS: OnceLock<Workspace> = OnceLock::new();
    WS.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(ROOT)
            .output()
            .expect("cargo metadata");
        assert!(
            out.status.success(),
            "cargo metadata: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
        workspace_from(&meta)
    })
}

fn workspace_from(meta: &Value) -> Workspace {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut ids = HashMap::new();
    let packages: Vec<Package> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap().to_owned();
            ids.insert(p["id"].as_str().unwrap().to_owned(), name.clone());
            let manifest = p["manifest_path"].as_str().unwrap();
            Package {
                features: p["features"]
                    .as_object()
                    .map(|f| f.iter().map(|(k, v)| (k.clone(), strings(v))).collect())
                    .unwrap_or_default(),
                targets: p["targets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| Target {
                        name: t["name"].as_str().unwrap().to_owned(),
                        kinds: strings(&t["kind"]),
                        required_features: strings(&t["required-features"]),
                    })
                    .collect(),
                default_run: p["default_run"].as_str().map(str::to_owned),
                dependencies: p["dependencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        d["rename"]
                            .as_str()
                            .or(d["name"].as_str())
                            .unwrap()
                            .to_owned()
                    })
                    .collect(),
                // `publish = false` is `[]`; absent (`null`) is publishable anywhere.
                publish: p["publish"].as_array().is_none_or(|a| !a.is_empty()),
                dir: Path::new(manifest)
                    .parent()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned(),
                name,
            }
        })
        .collect();
    let default_members = match meta["workspace_default_members"].as_array() {
        Some(a) => a
            .iter()
            .filter_map(|id| ids.get(id.as_str()?).cloned())
            .collect(),
        None => packages.iter().map(|p| p.name.clone()).collect(),
    };
    let xtask = std::fs::read_to_string(format!("{ROOT}/xtask/src/main.rs")).unwrap();
    let xtask_tasks = xtask
        .split("Some(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once("\")").map(|(name, _)| name.to_owned()))
        .collect();
    let fuzz = std::fs::read_to_string(format!("{ROOT}/fuzz/Cargo.toml")).unwrap_or_default();
    let mut fuzz_targets = Vec::new();
    let mut in_bin = false;
    for l in fuzz.lines().map(str::trim) {
        if l.starts_with('[') {
            in_bin = l == "[[bin]]";
        } else if in_bin && let Some(v) = l.strip_prefix("name") {
            fuzz_targets.push(
                v.trim_start_matches([' ', '='])
                    .trim_matches('"')
                    .to_owned(),
            );
        }
    }
    Workspace {
        packages,
        default_members,
        xtask_tasks,
        fuzz_targets,
    }
}

// ----- cargo -----------------------------------------------------------------------------------

/// A cargo command line, parsed.
#[derive(Debug, Default)]
struct CargoArgs {
    packages: Vec<String>,
    examples: Vec<String>,
    bins: Vec<String>,
    tests: Vec<String>,
    benches: Vec<String>,
    features: Vec<String>,
    paths: Vec<String>,
    workspace: bool,
    all_features: bool,
    no_default_features: bool,
    positional: Vec<String>,
    /// After `--`: the program's (or test harness's, or clippy's) own arguments.
    rest: Vec<String>,
}

/// Options every build-like subcommand takes, without a value.
const CARGO_FLAGS: &[&str] = &[
    "-q",
    "--quiet",
    "-v",
    "-vv",
    "--verbose",
    "--locked",
    "--frozen",
    "--offline",
    "-r",
    "--release",
    "--workspace",
    "--all",
    "--all-features",
    "--no-default-features",
    "--all-targets",
    "--lib",
    "--bins",
    "--examples",
    "--tests",
    "--benches",
    "--keep-going",
    "--ignore-rust-version",
    "--timings",
];

/// Options every build-like subcommand takes, with a value.
const CARGO_VALUES: &[&str] = &[
    "-p",
    "--package",
    "--exclude",
    "--example",
    "--bin",
    "--test",
    "--bench",
    "-F",
    "--features",
    "--target",
    "--target-dir",
    "--manifest-path",
    "-j",
    "--jobs",
    "--profile",
    "--color",
    "--config",
    "-Z",
    "--message-format",
];

/// The cargo subcommands the checker has a rule for.
const CARGO_SUBCOMMANDS: &[&str] = &[
    "run", "test", "bench", "build", "check", "clippy", "doc", "fmt", "add", "install", "package",
    "publish", "fuzz", "deny", "xtask",
];

/// The extra options of a subcommand: without a value, with one.
fn cargo_extra_options(sub: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match sub {
        "test" | "bench" => (&["--no-run", "--no-fail-fast", "--doc"], &[]),
        "doc" => (&["--no-deps", "--open", "--document-private-items"], &[]),
        "clippy" => (
            &["--fix", "--allow-dirty", "--allow-staged", "--no-deps"],
            &[],
        ),
        "fmt" => (&["--check"], &[]),
        "package" | "publish" => (
            &["--no-verify", "--allow-dirty", "--dry-run", "--list"],
            &[],
        ),
        "add" => (
            &[
                "--dev",
                "--build",
                "--optional",
                "--no-optional",
                "--default-features",
            ],
            &["--path", "--git", "--branch", "--tag", "--rev", "--rename"],
        ),
        "install" => (
            &["-f", "--force", "--no-track", "--debug"],
            &["--path", "--git", "--root", "--version"],
        ),
        _ => (&[], &[]),
    }
}

fn parse_cargo(sub: &str, args: &[String]) -> Result<CargoArgs, String> {
    let (extra_flags, extra_values) = cargo_extra_options(sub);
    let mut a = CargoArgs::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        if arg == "--" {
            a.rest = args[i..].to_vec();
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            a.positional.push(arg.to_owned());
            continue;
        }
        let (name, inline_value) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (arg, None),
        };
        if CARGO_FLAGS.contains(&name) || extra_flags.contains(&name) {
            match name {
                "--workspace" | "--all" => a.workspace = true,
                "--all-features" => a.all_features = true,
                "--no-default-features" => a.no_default_features = true,
                _ => {}
            }
            continue;
        }
        if !CARGO_VALUES.contains(&name) && !extra_values.contains(&name) {
            return Err(format!("`cargo {sub}` has no option `{arg}`"));
        }
        let value = match inline_value {
            Some(v) => v,
            None => {
                let v = args
                    .get(i)
                    .ok_or_else(|| format!("`{name}` needs a value"))?
                    .clone();
                i += 1;
                v
            }
        };
        match name {
            "-p" | "--package" => a.packages.push(value),
            "--example" => a.examples.push(value),
            "--bin" => a.bins.push(value),
            "--test" => a.tests.push(value),
            "--bench" => a.benches.push(value),
            "-F" | "--features" => a.features.extend(
                value
                    .split([',', ' '])
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            ),
            "--path" => a.paths.push(value),
            _ => {}
        }
    }
    Ok(a)
}

fn names(packages: &[&Package]) -> String {
    packages
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Workspace {
    /// The packages a command line selects: `-p`, else all with `--workspace`, else the
    /// default members.
    fn selected(&self, a: &CargoArgs) -> Result<Vec<&Package>, String> {
        if !a.packages.is_empty() {
            return a
                .packages
                .iter()
                .map(|p| {
                    self.package(p)
                        .ok_or_else(|| format!("no package `{p}` in the workspace"))
                })
                .collect();
        }
        if a.workspace {
            return Ok(self.packages.iter().collect());
        }
        Ok(self
            .default_members
            .iter()
            .filter_map(|n| self.package(n))
            .collect())
    }

    /// `--features` must each name a feature of a selected package.
    fn check_features(&self, a: &CargoArgs, selected: &[&Package]) -> Result<(), String> {
        for f in &a.features {
            if !selected.iter().any(|p| p.knows_feature(f)) {
                return Err(format!("no feature `{f}` in {}", names(selected)));
            }
        }
        Ok(())
    }

    /// `--test`, `--bench`, `--example`, `--bin`: each exists in a selected package.
    fn check_targets(&self, a: &CargoArgs, selected: &[&Package]) -> Result<(), String> {
        for (kind, list) in [
            ("test", &a.tests),
            ("bench", &a.benches),
            ("example", &a.examples),
            ("bin", &a.bins),
        ] {
            for name in list {
                if !selected.iter().any(|p| p.target(kind, name).is_some()) {
                    return Err(format!("no {kind} target `{name}` in {}", names(selected)));
                }
            }
        }
        Ok(())
    }

    /// `cargo run`: one package, one binary or example, its required features on. Answers the
    /// package and target run.
    fn check_run<'a>(&'a self, a: &CargoArgs) -> Result<(&'a Package, &'a Target), String> {
        let selected = self.selected(a)?;
        if a.examples.len() + a.bins.len() > 1 {
            return Err("`cargo run` runs one target".into());
        }
        let find = |kind: &str, name: &str| -> Result<(&'a Package, &'a Target), String> {
            let owners: Vec<(&Package, &Target)> = selected
                .iter()
                .filter_map(|p| p.target(kind, name).map(|t| (*p, t)))
                .collect();
            match owners.as_slice() {
                [one] => Ok(*one),
                [] => Err(format!("no {kind} `{name}` in {}", names(&selected))),
                _ => Err(format!("{kind} `{name}` is in several packages; add -p")),
            }
        };
        let (package, target) = if let Some(example) = a.examples.first() {
            find("example", example)?
        } else if let Some(bin) = a.bins.first() {
            find("bin", bin)?
        } else {
            let [package] = selected.as_slice() else {
                return Err(format!(
                    "`cargo run` needs one package and {} are selected ({}); add -p",
                    selected.len(),
                    names(&selected)
                ));
            };
            let bins = package.targets_of("bin");
            let target = match (bins.as_slice(), &package.default_run) {
                ([one], _) => *one,
                ([], _) => return Err(format!("{} has no binary", package.name)),
                (_, Some(default)) => package
                    .target("bin", default)
                    .ok_or_else(|| format!("default-run `{default}` is not a binary"))?,
                (many, None) => {
                    return Err(format!(
                        "could not determine which binary to run: {} has the binaries {}; \
                         add --bin NAME",
                        package.name,
                        many.iter()
                            .map(|t| t.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            };
            (*package, target)
        };
        self.check_features(a, &[package])?;
        let on = package.enabled(&a.features, a.all_features, a.no_default_features);
        let off: Vec<&str> = target
            .required_features
            .iter()
            .filter(|f| !on.contains(*f))
            .map(String::as_str)
            .collect();
        if !off.is_empty() {
            return Err(format!(
                "`{}` requires the features {} of {}: add --features {}",
                target.name,
                off.join(", "),
                package.name,
                off.join(",")
            ));
        }
        Ok((package, target))
    }
}

// ----- The checker -----------------------------------------------------------------------------

/// A documented command that fails.
#[derive(Debug, Clone)]
struct Finding {
    file: String,
    line: usize,
    command: String,
    problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}`: {}",
            self.file, self.line, self.command, self.problem
        )
    }
}

/// A documented request, checked against its app once every doc is read.
#[derive(Debug, Clone)]
struct Request {
    file: String,
    line: usize,
    command: String,
    app: String,
    method: String,
    path: String,
}

struct Checker {
    ws: &'static Workspace,
    findings: Vec<Finding>,
    requests: Vec<Request>,
    /// Commands checked, by program.
    checked: BTreeMap<String, usize>,
    /// Per document: its file, the variables set so far, the example app its curls talk to.
    file: String,
    env: HashMap<String, String>,
    app: String,
}

impl Checker {
    fn new(ws: &'static Workspace) -> Self {
        Checker {
            ws,
            findings: Vec::new(),
            requests: Vec::new(),
            checked: BTreeMap::new(),
            file: String::new(),
            env: HashMap::new(),
            app: String::new(),
        }
    }

    /// Checks every command of one document.
    fn check_doc(&mut self, file: &str, markdown: &str) {
        self.file = file.to_owned();
        self.env.clear();
        // An example's doc comments talk to that example; other pages to the quickstart until
        // they run another one.
        self.app = file
            .strip_prefix("examples/")
            .and_then(|f| f.strip_suffix(".rs"))
            .filter(|_| file.matches('/').count() == 1)
            .unwrap_or("quickstart")
            .to_owned();
        for shown in shown_commands(markdown) {
            match parse_shell(&shown.text, shown.line) {
                Ok(commands) => {
                    for simple in commands {
                        self.check_simple(&simple, shown.inline, shown.cut);
                    }
                }
                Err((line, problem)) => self.finding(line, &shown.text, problem),
            }
        }
    }

    fn finding(&mut self, line: usize, command: &str, problem: String) {
        self.findings.push(Finding {
            file: self.file.clone(),
            line,
            command: command.to_owned(),
            problem,
        });
    }

    fn check_simple(&mut self, simple: &Simple, inline: bool, cut: bool) {
        for sub in simple.words.iter().flat_map(|w| &w.subs) {
            match parse_shell(sub, simple.line) {
                Ok(commands) => {
                    for inner in commands {
                        self.check_simple(&inner, inline, false);
                    }
                }
                Err((line, problem)) => self.finding(line, sub, problem),
            }
        }
        let mut words: &[Word] = &simple.words;
        while let Some((first, rest)) = words.split_first() {
            let Some((name, value)) = assignment(&first.text) else {
                break;
            };
            self.assign(name, value, first);
            words = rest;
        }
        let Some(program) = words.first() else {
            return;
        };
        let args: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        let command = args.join(" ");
        *self.checked.entry(program.text.clone()).or_default() += 1;
        // A synopsis is checked up to its first placeholder; the option before it may then lack
        // its value. An inline span may name a command without its required arguments
        // (`authx keys rotate`); what it shows must still be right.
        let (mut kept, placeholder) = until_placeholder(&args);
        let cut = cut || placeholder || inline;
        if cut && kept.len() > 1 && kept.last().is_some_and(|w| w.starts_with('-')) {
            kept.pop();
        }
        let result = match program.text.as_str() {
            "cargo" => self.cargo(&kept[1..], cut),
            "authx" => check_cli(&kept, cut),
            "curl" => self.curl(simple.line, &command, &args[1..]),
            "bash" | "sh" => check_script(&kept[1..]),
            "export" => {
                for w in &words[1..] {
                    if let Some((name, value)) = assignment(&w.text) {
                        self.assign(name, value, w);
                    }
                }
                Ok(())
            }
            "set" | "." | "source" => Ok(()),
            p if SYSTEM.contains(&p) => Ok(()),
            p => Err(format!(
                "no rule of tests/commands.rs understands `{p}`{}: add one (or the program to \
                 its allow-list)",
                if inline { " (an inline code span)" } else { "" }
            )),
        };
        if let Err(problem) = result {
            self.finding(simple.line, &command, problem);
        }
    }

    fn assign(&mut self, name: &str, value: &str, word: &Word) {
        if word.subs.is_empty() {
            self.env.insert(name.to_owned(), value.to_owned());
        } else {
            self.env.remove(name);
        }
    }

    /// `cut`: a synopsis or an inline mention, which may leave out the xtask task.
    fn cargo(&mut self, args: &[String], cut: bool) -> Result<(), String> {
        let Some(sub) = args.first() else {
            return Err("a bare `cargo`".into());
        };
        let sub = match sub.as_str() {
            "r" => "run",
            "t" => "test",
            "b" => "build",
            "c" => "check",
            "d" => "doc",
            s => s,
        };
        let rest = &args[1..];
        // `cargo run` in a sentence names the subcommand: nothing to resolve.
        if cut && rest.is_empty() && sub != "xtask" && CARGO_SUBCOMMANDS.contains(&sub) {
            return Ok(());
        }
        match sub {
            "run" => {
                let a = parse_cargo(sub, rest)?;
                if !a.positional.is_empty() {
                    return Err(format!(
                        "`{}` before `--`: cargo passes it to the program; put it after `--`",
                        a.positional.join(" ")
                    ));
                }
                let (package, target) = self.ws.check_run(&a)?;
                if target.kinds.iter().any(|k| k == "example") {
                    self.app = target.name.clone();
                }
                if package.name == "authx-cli" && !a.rest.is_empty() {
                    let mut cli = vec!["authx".to_owned()];
                    cli.extend(a.rest.iter().cloned());
                    check_cli(&cli, false)?;
                }
                Ok(())
            }
            "test" | "bench" | "build" | "check" | "clippy" | "doc" => {
                let a = parse_cargo(sub, rest)?;
                if a.positional.len() > usize::from(matches!(sub, "test" | "bench")) {
                    return Err(format!("unexpected `{}`", a.positional.join(" ")));
                }
                let selected = self.ws.selected(&a)?;
                self.ws.check_targets(&a, &selected)?;
                self.ws.check_features(&a, &selected)
            }
            "fmt" => {
                let a = parse_cargo(sub, rest)?;
                if !a.positional.is_empty() || !a.features.is_empty() {
                    return Err("`cargo fmt` takes no features or positional arguments".into());
                }
                self.ws.selected(&a).map(drop)
            }
            "add" => {
                let a = parse_cargo(sub, rest)?;
                if a.positional.is_empty() {
                    return Err("`cargo add` without a crate".into());
                }
                for krate in &a.positional {
                    let krate = krate.split('@').next().unwrap_or_default();
                    match self.ws.package(krate) {
                        Some(p) if !p.publish => {
                            return Err(format!("`{krate}` is not published (publish = false)"));
                        }
                        Some(p) => self.ws.check_features(&a, &[p])?,
                        None if self
                            .ws
                            .packages
                            .iter()
                            .any(|p| p.dependencies.contains(krate)) => {}
                        None => {
                            return Err(format!(
                                "`{krate}` is neither a package of the workspace nor one of its \
                                 dependencies"
                            ));
                        }
                    }
                }
                Ok(())
            }
            "install" => {
                let a = parse_cargo(sub, rest)?;
                for path in &a.paths {
                    let dir = std::fs::canonicalize(format!("{ROOT}/{path}"))
                        .map_err(|_| format!("no directory `{path}`"))?;
                    let p = self
                        .ws
                        .packages
                        .iter()
                        .find(|p| Path::new(&p.dir) == dir)
                        .ok_or_else(|| format!("`{path}` is not a package of the workspace"))?;
                    if p.targets_of("bin").is_empty() {
                        return Err(format!("{} has no binary to install", p.name));
                    }
                }
                for krate in &a.positional {
                    if self.ws.package(krate).is_none() {
                        return Err(format!("`{krate}` is not a package of the workspace"));
                    }
                }
                Ok(())
            }
            "xtask" => {
                let Some(task) = rest.first() else {
                    return if cut {
                        Ok(())
                    } else {
                        Err("`cargo xtask` without a task".into())
                    };
                };
                if !self.ws.xtask_tasks.contains(task) {
                    return Err(format!(
                        "xtask has no task `{task}` (it has {})",
                        self.ws.xtask_tasks.join(", ")
                    ));
                }
                // `cargo xtask test -- ARGS` runs `cargo test --workspace --all-features ARGS`.
                let extra: Vec<String> = rest[1..]
                    .iter()
                    .skip_while(|a| *a == "--")
                    .cloned()
                    .collect();
                if task == "test" && !extra.is_empty() {
                    let mut test = vec![
                        "test".to_owned(),
                        "--workspace".into(),
                        "--all-features".into(),
                    ];
                    test.extend(extra);
                    return self.cargo(&test, false);
                }
                Ok(())
            }
            "fuzz" => {
                let mut words = rest.iter().filter(|w| !w.starts_with('-'));
                match words.next().map(String::as_str) {
                    Some("list" | "init" | "add") => Ok(()),
                    Some("run" | "build" | "cmin" | "tmin" | "coverage") => match words.next() {
                        Some(t) if !self.ws.fuzz_targets.contains(t) => Err(format!(
                            "no fuzz target `{t}` (fuzz/Cargo.toml has {})",
                            self.ws.fuzz_targets.join(", ")
                        )),
                        _ => Ok(()),
                    },
                    other => Err(format!("`cargo fuzz {}`?", other.unwrap_or(""))),
                }
            }
            "package" | "publish" => {
                let a = parse_cargo(sub, rest)?;
                for p in self.ws.selected(&a)? {
                    if !p.publish {
                        return Err(format!("{} is not published (publish = false)", p.name));
                    }
                }
                Ok(())
            }
            // cargo-deny, run by .ci/run; its arguments are its own.
            "deny" => Ok(()),
            other => Err(format!("no rule for `cargo {other}`")),
        }
    }

    /// Reads a curl command line into its method and path, for the route check.
    fn curl(&mut self, line: usize, command: &str, args: &[String]) -> Result<(), String> {
        const VALUES: &[&str] = &[
            "-X",
            "--request",
            "-H",
            "--header",
            "-d",
            "--data",
            "--data-raw",
            "--data-binary",
            "--data-urlencode",
            "--json",
            "-b",
            "--cookie",
            "-c",
            "--cookie-jar",
            "-o",
            "--output",
            "-u",
            "--user",
            "-A",
            "--user-agent",
            "-e",
            "--referer",
            "-F",
            "--form",
            "-w",
            "--write-out",
            "-m",
            "--max-time",
            "--connect-timeout",
            "--retry",
            "-T",
            "--upload-file",
        ];
        const FLAGS: &str = "sSivLfkIGN46";
        let mut method = None;
        let mut body = false;
        let mut head = false;
        let mut url = None;
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            i += 1;
            if VALUES.contains(&arg) {
                let value = args
                    .get(i)
                    .ok_or_else(|| format!("`{arg}` needs a value"))?;
                i += 1;
                match arg {
                    "-X" | "--request" => method = Some(value.clone()),
                    "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-urlencode"
                    | "--json" | "-F" | "--form" | "-T" | "--upload-file" => body = true,
                    _ => {}
                }
            } else if let Some(long) = arg.strip_prefix("--") {
                match long {
                    "silent" | "show-error" | "include" | "verbose" | "location" | "fail"
                    | "fail-with-body" | "insecure" | "no-buffer" | "compressed" | "http1.1"
                    | "http2" => {}
                    "head" => head = true,
                    _ => return Err(format!("no rule for curl's `{arg}`")),
                }
            } else if let Some(short) = arg.strip_prefix('-') {
                if short.is_empty() || !short.chars().all(|c| FLAGS.contains(c)) {
                    return Err(format!("no rule for curl's `{arg}`"));
                }
                head |= short.contains('I');
            } else if url.replace(arg.to_owned()).is_some() {
                return Err("one URL per curl, please".into());
            }
        }
        let url = url.ok_or("curl without a URL")?;
        let url = self.expand(&url)?;
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .unwrap_or(&url);
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let host_name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        if !matches!(host_name, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(format!(
                "a request to `{host}`: only the local example apps can be checked"
            ));
        }
        let method = method.unwrap_or_else(|| {
            if head {
                "HEAD".into()
            } else if body {
                "POST".into()
            } else {
                "GET".into()
            }
        });
        self.requests.push(Request {
            file: self.file.clone(),
            line,
            command: command.to_owned(),
            app: self.app.clone(),
            method,
            path: path.to_owned(),
        });
        Ok(())
    }

    /// `$NAME` and `${NAME}` from the variables the document set.
    fn expand(&self, text: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (name, next) = if let Some(braced) = after.strip_prefix('{') {
                let end = braced.find('}').ok_or("an unterminated ${")?;
                (&braced[..end], &braced[end + 1..])
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            let value = self
                .env
                .get(name)
                .ok_or_else(|| format!("`${name}` in the URL is not set earlier on the page"))?;
            out.push_str(value);
            rest = next;
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Sends every documented request to its app; a `404` or `405` is a finding.
    async fn check_requests(&mut self) {
        let mut servers: HashMap<String, Option<TestServer>> = HashMap::new();
        let requests = std::mem::take(&mut self.requests);
        for r in &requests {
            let server = servers.entry(r.app.clone()).or_insert(match app(&r.app) {
                Some(router) => Some(TestServer::start(router).await),
                None => None,
            });
            let routed = match server {
                Some(s) => {
                    let method = reqwest::Method::from_bytes(r.method.as_bytes())
                        .map_err(|_| format!("no HTTP method `{}`", r.method));
                    match method {
                        Ok(m) => {
                            let res = client().request(m, s.url(&r.path)).send().await;
                            match res.map(|res| res.status().as_u16()) {
                                Ok(404 | 405) | Err(_) => Err(format!(
                                    "`{} {}` is not routed by the `{}` example",
                                    r.method, r.path, r.app
                                )),
                                Ok(_) => Ok(()),
                            }
                        }
                        Err(e) => Err(e),
                    }
                }
                None => declared_routes(&r.app).and_then(|routes| {
                    let path = r.path.split('?').next().unwrap_or_default();
                    if routes.contains(&(r.method.clone(), path.to_owned()))
                        || routes.contains(&("*".to_owned(), path.to_owned()))
                    {
                        Ok(())
                    } else {
                        Err(format!(
                            "`{} {path}` is not a route of examples/{}.rs",
                            r.method, r.app
                        ))
                    }
                }),
            };
            if let Err(problem) = routed {
                self.findings.push(Finding {
                    file: r.file.clone(),
                    line: r.line,
                    command: r.command.clone(),
                    problem,
                });
            }
        }
        self.requests = requests;
    }
}

/// The words up to the first placeholder, and whether there was one.
fn until_placeholder(args: &[String]) -> (Vec<String>, bool) {
    let kept: Vec<String> = args
        .iter()
        .take_while(|a| !is_placeholder(a))
        .cloned()
        .collect();
    let cut = kept.len() < args.len();
    (kept, cut)
}

/// `authx ...`, parsed by the CLI's own parser. `a/b` in a subcommand position is a synopsis
/// naming two subcommands: both must exist.
///
/// A synopsis cut at a placeholder (`authx keys rotate --file ...`) may lack a required
/// argument or subcommand; what it does show must still parse.
fn check_cli(args: &[String], cut: bool) -> Result<(), String> {
    let mut command = authx_cli::Cli::command();
    for (i, word) in args.iter().enumerate().skip(1) {
        if word.starts_with('-') || !command.has_subcommands() {
            break;
        }
        if word.contains('/') {
            // A synopsis naming subcommands (`authx keys init/rotate`): each must exist.
            return match word
                .split('/')
                .find(|a| command.find_subcommand(a).is_none())
            {
                Some(a) => Err(format!(
                    "`{a}` is not a subcommand of `{}`",
                    args[..i].join(" ")
                )),
                None => Ok(()),
            };
        }
        match command.find_subcommand(word) {
            Some(sub) => command = sub.clone(),
            None => break,
        }
    }
    match authx_cli::Cli::try_parse_from(args) {
        Ok(_) => Ok(()),
        Err(e) => {
            use clap::error::ErrorKind::*;
            match e.kind() {
                DisplayHelp | DisplayVersion => Ok(()),
                MissingRequiredArgument
                | MissingSubcommand
                | DisplayHelpOnMissingArgumentOrSubcommand
                    if cut =>
                {
                    Ok(())
                }
                _ => Err(format!(
                    "the CLI refuses it: {}",
                    e.to_string().lines().next().unwrap_or_default()
                )),
            }
        }
    }
}

/// `bash SCRIPT ARGS`: the script is a file of the repository.
fn check_script(args: &[String]) -> Result<(), String> {
    let script = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .ok_or("a shell without a script")?;
    if args.iter().any(|a| a == "-c") {
        return Err("`bash -c` is not understood".into());
    }
    if Path::new(&format!("{ROOT}/{script}")).is_file() {
        Ok(())
    } else {
        Err(format!("no script `{script}` in the repository"))
    }
}

/// The example apps that start without outside services, in process.
fn app(name: &str) -> Option<Router> {
    let auth = || {
        Auth::new(
            AuthConfig::builder()
                .secret_key("commands-test-secret-0123456789abcdef")
                .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
                .cookie_secure(false)
                .build(),
        )
        .unwrap()
    };
    Some(match name {
        "quickstart" => quickstart::app(auth(), Users::demo()),
        "readme" => readme::app(auth()),
        "manual" => manual::app(auth(), Users::demo()),
        "middleware" => middleware::app(auth(), Users::demo()),
        "websocket" => websocket::app(auth(), Users::demo()),
        "documents" => documents::app(auth(), documents::Library::demo()),
        "vault" => vault::app(
            authx::vault::Vault::new(
                authx::vault::VaultConfig::builder()
                    .key("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=")
                    .use_header(true)
                    .cookie_secure(false)
                    .build(),
            )
            .unwrap(),
        ),
        _ => return None,
    })
}

/// The routes an example's source declares (`route = "METHOD /path"` on its handlers,
/// `.route("/path", get(..).post(..))`), for apps that need an outside service to start.
fn declared_routes(name: &str) -> Result<BTreeSet<(String, String)>, String> {
    let source = std::fs::read_to_string(format!("{ROOT}/examples/{name}.rs"))
        .map_err(|_| format!("the curl talks to `{name}`, which is not an example"))?;
    let mut routes = BTreeSet::new();
    for part in source.split("route = \"").skip(1) {
        if let Some((m, p)) = part.split('"').next().and_then(|r| r.split_once(' ')) {
            routes.insert((m.to_owned(), p.to_owned()));
        }
    }
    for line in source.lines() {
        let Some(rest) = line.trim().strip_prefix(".route(\"") else {
            continue;
        };
        let Some((path, handlers)) = rest.split_once('"') else {
            continue;
        };
        for (f, m) in [
            ("get(", "GET"),
            ("post(", "POST"),
            ("put(", "PUT"),
            ("delete(", "DELETE"),
            ("patch(", "PATCH"),
            ("any(", "*"),
        ] {
            if handlers.contains(f) {
                routes.insert((m.to_owned(), path.to_owned()));
            }
        }
    }
    Ok(routes)
}

// ----- The tests -------------------------------------------------------------------------------

/// Checks one text as `file` (no requests sent).
fn check_text(file: &str, text: &str) -> Checker {
    let mut c = Checker::new(workspace());
    c.check_doc(file, text);
    c
}

#[tokio::test]
async fn every_documented_command_is_valid() {
    let mut c = Checker::new(workspace());
    let (docs, missing) = documents();
    for (file, text) in &docs {
        c.check_doc(file, text);
    }
    c.check_requests().await;
    for page in missing {
        c.findings.push(Finding {
            file: page,
            line: 0,
            command: String::new(),
            problem: "the page is missing".into(),
        });
    }
    let total: usize = c.checked.values().sum();
    eprintln!(
        "{total} commands in {} documents ({} requests): {:?}",
        docs.len(),
        c.requests.len(),
        c.checked
    );
    // The reader found the commands: a broken extraction must not pass by finding none.
    assert!(total >= 30, "only {total} commands found");
    assert!(c.checked.get("cargo").is_some_and(|n| *n >= 10));
    assert!(c.requests.len() >= 20, "only {} curls", c.requests.len());
    assert!(
        c.findings.is_empty(),
        "{} documented commands fail:\n{}",
        c.findings.len(),
        c.findings
            .iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The README of commit aaae617 told readers to run `cargo run --release -p authx-bench`, which
/// stops with "could not determine which binary to run" since the package has two binaries
/// (`authx-bench` and `soak`). The checker reports it.
#[test]
fn the_old_readme_fails_on_the_ambiguous_bench_command() {
    let old = std::fs::read_to_string(format!("{ROOT}/tests/fixtures/readme-aaae617.md")).unwrap();
    let c = check_text("README.md@aaae617", &old);
    for f in &c.findings {
        eprintln!("{f}");
    }
    let bench: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.command == "cargo run --release -p authx-bench")
        .collect();
    assert!(!bench.is_empty(), "{:#?}", c.findings);
    assert!(
        bench.iter().all(|f| f
            .problem
            .contains("could not determine which binary to run")
            && f.problem.contains("soak")),
        "{bench:#?}"
    );
    // Its line, as the reader sees it (the load harness paragraph and the layout table).
    let lines: Vec<usize> = bench.iter().map(|f| f.line).collect();
    assert_eq!(lines, [689, 1220]);
}

#[test]
fn the_shell_is_read_as_the_shell_reads_it() {
    let src = "A=1 B='two words' cargo run \\\n    --example quickstart # a comment\n\
               export X=$(head -c 32 /dev/urandom | base64); echo \"$X\" | authx inspect - > out 2>&1 &\n\
               # a whole-line comment\n\
               curl -s \"$B/p\" -H \"Authorization: Bearer $(authx mint --sub u)\"\n";
    let commands = parse_shell(src, 10).unwrap();
    let texts: Vec<(usize, Vec<&str>)> = commands
        .iter()
        .map(|s| (s.line, s.words.iter().map(|w| w.text.as_str()).collect()))
        .collect();
    assert_eq!(
        texts,
        [
            (
                10,
                vec![
                    "A=1",
                    "B=two words",
                    "cargo",
                    "run",
                    "--example",
                    "quickstart"
                ]
            ),
            (12, vec!["export", "X=$(head -c 32 /dev/urandom | base64)"]),
            (12, vec!["echo", "$X"]),
            (12, vec!["authx", "inspect", "-"]),
            (
                14,
                vec![
                    "curl",
                    "-s",
                    "$B/p",
                    "-H",
                    "Authorization: Bearer $(authx mint --sub u)"
                ]
            ),
        ]
    );
    assert_eq!(
        commands[1].words[1].subs,
        ["head -c 32 /dev/urandom | base64"]
    );
    assert_eq!(commands[4].words[4].subs, ["authx mint --sub u"]);
    assert!(parse_shell("echo 'open", 1).is_err());
    assert!(parse_shell("(cd x && ls)", 1).is_err());
}

#[test]
fn blocks_and_inline_spans_are_found_with_their_lines() {
    let md = "# T\n\nRun `cargo run\n--example readme` first.\n\n```sh\ncargo xtask test\n```\n\n\
              ```rust\nlet x = `cargo nope`;\n```\n\n```console\n$ cargo fmt --check\noutput\n```\n\
              `authx` is the CLI; `authx mint --sub a` mints.\n";
    let shown: Vec<(usize, String, bool)> = shown_commands(md)
        .into_iter()
        .map(|s| (s.line, s.text.trim().to_owned(), s.inline))
        .collect();
    assert_eq!(
        shown,
        [
            (3, "cargo run --example readme".to_owned(), true),
            (7, "cargo xtask test".to_owned(), false),
            (15, "cargo fmt --check".to_owned(), false),
            (18, "authx mint --sub a".to_owned(), true),
        ]
    );
}

#[test]
fn each_rule_refuses_what_would_fail() {
    let fails = |cmd: &str| {
        let c = check_text("doc.md", &format!("```sh\n{cmd}\n```\n"));
        assert_eq!(c.findings.len(), 1, "`{cmd}` should fail: {:?}", c.findings);
        c.findings[0].to_string()
    };
    let passes = |cmd: &str| {
        let c = check_text("doc.md", &format!("```sh\n{cmd}\n```\n"));
        assert!(c.findings.is_empty(), "`{cmd}`: {:?}", c.findings);
    };
    passes("cargo run --example quickstart -- --routes");
    passes("AUTHX_STORE_URL=sqlite://a.db cargo run --example quickstart --features sqlite");
    passes("cargo run --release -p authx-bench --bin soak");
    passes("cargo run -p authx-cli -- keygen rsa --bits 2048 --out keys");
    passes("cargo test -p authx-tests --test commands");
    passes("cargo bench -p authx-bench --bench tokens -- verify");
    passes("cargo xtask test -- -p authx-tests --test hardening");
    passes("cargo clippy --workspace --all-targets --all-features -- -D warnings");
    passes("cargo add authx --features vault");
    passes("cargo install --path cli");
    passes("bash .ci/run");
    passes("authx keys init --file keys.json");

    assert!(fails("cargo run --release -p authx-bench").contains("soak"));
    assert!(fails("cargo run --example nope").contains("no example `nope`"));
    assert!(fails("cargo run --example postgres_app").contains("--features postgres"));
    assert!(fails("cargo run --example quickstart --features nope").contains("no feature"));
    assert!(fails("cargo test -p authx-tests --test nope").contains("no test target"));
    assert!(fails("cargo test --test commands").contains("no test target"));
    assert!(fails("cargo bench -p authx-bench --bench nope").contains("no bench target"));
    assert!(fails("cargo clippy -D warnings").contains("no option `-D`"));
    assert!(fails("cargo xtask lint").contains("no task"));
    assert!(fails("cargo run -p authx-cli -- mint --nope").contains("CLI refuses"));
    assert!(fails("authx keygen").contains("CLI refuses"));
    assert!(fails("bash fuzz/nope").contains("no script"));
    let unknown = fails("frobnicate --all");
    assert!(
        unknown.starts_with("doc.md:2: `frobnicate --all`: no rule"),
        "{unknown}"
    );
    // Inline placeholders stop the check; alternatives are checked each.
    let c = check_text(
        "doc.md",
        "Run `bash fuzz/run [SECONDS]`, `authx keys init/rotate` and `authx <command> --help`.\n",
    );
    assert!(c.findings.is_empty(), "{:?}", c.findings);
}

#[tokio::test]
async fn a_curl_must_reach_a_route_of_its_app() {
    let md = "```sh\nB=http://127.0.0.1:3000\ncurl -s $B/protected\ncurl -s -X PUT $B/login\n\
              curl -s $B/nowhere -H 'content-type: application/json'\n```\n\n\
              Then `cargo run --example readme`:\n\n```sh\ncurl -s -X DELETE localhost:3000/notes\n\
              curl -s localhost:3000/protected\n```\n\n\
              And `cargo run --example postgres_app --features postgres`:\n\n\
              ```sh\ncurl -s -X POST localhost:3000/signup\ncurl -s localhost:3000/signup\n```\n";
    let mut c = check_text("doc.md", md);
    assert!(c.findings.is_empty(), "{:?}", c.findings);
    c.check_requests().await;
    let failed: Vec<(usize, &str)> = c
        .findings
        .iter()
        .map(|f| (f.line, f.command.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (4, "curl -s -X PUT $B/login"),
            (5, "curl -s $B/nowhere -H content-type: application/json"),
            (12, "curl -s localhost:3000/protected"),
            (19, "curl -s localhost:3000/signup"),
        ],
        "{:#?}",
        c.findings
    );
}
