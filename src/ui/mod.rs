//! Terminal output: the data stream (stdout), the status stream (stderr), colours, progress,
//! output formats and error reports. Commands write through [`Ui`] only.

mod escape;
mod table;

use std::io::{self, IsTerminal as _, Write};

use anstream::AutoStream;
pub use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};

pub use escape::{visible, visible_code, visible_lines};
pub use table::{Cell, Table, escape_markdown_cell, truncate as table_truncate};

use crate::cli::{ColorWhen, GlobalArgs};

/// Output format of read commands (docs/OUTPUT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people: aligned tables, or the command's own text layout
    #[value(alias = "text")]
    Table,
    /// Everything the command knows, keys as in FORMAT.md
    Json,
    /// The table for programs, comma-separated
    Csv,
    /// The table for programs, tab-separated
    Tsv,
    /// Markdown (a table, or the diff's pull-request comment)
    Md,
}

impl Format {
    /// Every format, for commands that print a table (all renderers take any table).
    pub const ALL: &[Format] = &[Format::Table, Format::Json, Format::Csv, Format::Tsv, Format::Md];
    /// Text or JSON, for commands whose text is not a table (`show`, `nbdiff`).
    pub const TEXT_JSON: &[Format] = &[Format::Table, Format::Json];
    /// Nothing: the command prints status lines only.
    pub const NONE: &[Format] = &[];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Md => "md",
        }
    }
}

/// Everything a command writes goes through here.
pub struct Ui {
    out: io::BufWriter<AutoStream<io::Stdout>>,
    err: AutoStream<io::Stderr>,
    sink: Sink,
    /// What `--format` asked for; `format` is what the command prints, once `select_format` checked it.
    requested: Option<Format>,
    format: Format,
    quiet: bool,
    stdout_tty: bool,
    stderr_tty: bool,
    color_out: bool,
    color_err: bool,
}

impl Ui {
    pub fn new(global: &GlobalArgs) -> Self {
        let stdout_tty = io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let choose = |tty: bool| match global.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color,
        };
        let color_out = choose(stdout_tty);
        let color_err = choose(stderr_tty);
        // git-exp writes escapes only when colour is on (see `style`), so the streams pass bytes
        // through; stripping would scan every byte of a 10,000-run listing for nothing.
        Self {
            out: io::BufWriter::new(AutoStream::new(io::stdout(), ColorChoice::AlwaysAnsi)),
            err: AutoStream::new(io::stderr(), ColorChoice::AlwaysAnsi),
            sink: Sink,
            requested: global.format,
            format: Format::Table,
            quiet: global.quiet,
            stdout_tty,
            stderr_tty,
            color_out,
            color_err,
        }
    }

    /// The data stream (stdout, buffered).
    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// The status stream (stderr); a sink under `-q`.
    pub fn status(&mut self) -> &mut dyn Write {
        if self.quiet { &mut self.sink } else { &mut self.err }
    }

    /// Writes a `warning: …` line to stderr, even under `-q` (as git does).
    pub fn warn(&mut self, message: impl std::fmt::Display) {
        let style = self.err_style(AnsiColor::Yellow.on_default().bold());
        // Warnings quote names, paths and remote messages from runs: never let them reach the
        // terminal as control sequences.
        let message = message.to_string();
        let message = escape::visible_lines(&message);
        // A failed write to stderr has nowhere better to be reported.
        let _ = writeln!(self.err, "{style}warning{style:#}: {message}");
    }

    /// Checks `--format` against the formats `command` can print (none: it prints no data) and
    /// settles the output format: text unless `--format` says otherwise, piped or not, as git and
    /// gh do. Scripts ask for `--format json`; output that changed shape under a pipe would make
    /// `git exp ls | less` and `git exp ls > runs.txt` differ from what the terminal showed.
    pub fn select_format(&mut self, command: &str, supported: &[Format]) -> Result<(), UsageError> {
        match self.requested {
            None => self.format = Format::Table,
            Some(format) if supported.contains(&format) => self.format = format,
            Some(format) if supported.is_empty() => {
                return Err(UsageError::with_hint(
                    format!("`{command}` prints no data: --format {} does not apply", format.name()),
                    format!("drop --format from `git exp {command}`"),
                ));
            }
            Some(format) => {
                let names: Vec<&str> = supported.iter().map(|f| f.name()).collect();
                return Err(UsageError::with_hint(
                    format!("`{command}` cannot print --format {}", format.name()),
                    format!("`{command}` prints --format {}", names.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// The output format `select_format` settled on (text until then).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Returns the width to fit tables to: `COLUMNS`, the terminal's width, or none when piped.
    pub fn width(&self) -> Option<usize> {
        if let Some(cols) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
            return Some(cols);
        }
        if !self.stdout_tty {
            return None;
        }
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
    }

    /// Returns `style` when stdout is coloured, else the plain style.
    pub fn style(&self, style: Style) -> Style {
        if self.color_out { style } else { Style::new() }
    }

    /// Returns `style` when stderr is coloured, else the plain style.
    pub fn err_style(&self, style: Style) -> Style {
        if self.color_err { style } else { Style::new() }
    }

    /// A progress bar on stderr, hidden unless stderr is a terminal and not `-q`.
    pub fn progress(&self, len: u64, message: &'static str) -> indicatif::ProgressBar {
        if self.quiet || !self.stderr_tty {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(len).with_message(message);
        let style = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {eta}")
            .map(|s| s.progress_chars("=> "));
        if let Ok(style) = style {
            bar.set_style(style);
        }
        bar
    }

    /// Renders a table in the chosen format to stdout.
    pub fn print_table(&mut self, table: &Table) -> io::Result<()> {
        let format = self.format();
        let width = if format == Format::Table { self.width() } else { None };
        let header = self.style(Style::new().bold());
        table::render(table, format, width, header, &mut self.out)
    }

    /// Writes a JSON value to stdout, pretty-printed, with a trailing newline.
    pub fn print_json(&mut self, value: &impl serde::Serialize) -> anyhow::Result<()> {
        // serde_json's error hides the io::Error it wraps from `source()` (it reports the io
        // error's own source instead), so a closed pipe would print `error: Broken pipe`; the
        // conversion gives the original io::Error back.
        serde_json::to_writer_pretty(&mut self.out, value).map_err(io::Error::from)?;
        writeln!(self.out)?;
        Ok(())
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// Prints an error as git does: `error: …`, then its causes and hints.
    pub fn report(&mut self, err: &anyhow::Error) {
        let _ = self.out.flush();
        let style = self.err_style(AnsiColor::Red.on_default().bold());
        let _ = writeln!(self.err, "{style}error{style:#}: {}", one_line(&err.to_string()));
        // A caret under a bad token only makes sense on its own lines, so snippets keep theirs.
        if let Some(snippet) = err.chain().find_map(|e| e.downcast_ref::<UsageError>()?.snippet.as_deref()) {
            let _ = writeln!(self.err, "{snippet}");
        }
        let mut shown = err.to_string();
        for cause in err.chain().skip(1) {
            let text = cause.to_string();
            // gix errors repeat their source in their own text; do not print the same thing twice.
            if shown.contains(&text) {
                continue;
            }
            let _ = writeln!(self.err, "caused by: {}", one_line(&text));
            shown.push_str(&text);
        }
        for hint in hints(err) {
            let _ = writeln!(self.err, "hint: {}", visible_lines(&hint));
        }
    }
}

/// A writer that drops everything (the status stream under `-q`).
struct Sink;

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An error's text on one line, control characters shown: errors name inputs, and an input
/// (a run name, a path from a run) may hold terminal escapes.
fn one_line(text: &str) -> String {
    visible(&text.replace('\n', " ")).into_owned()
}

/// An error in what the user typed (bad `-p`, bad `--where`): exit code 2, like clap's.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    pub hint: Option<String>,
    /// Lines shown as they are below the error line, such as an expression with a caret under
    /// the bad token.
    pub snippet: Option<String>,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), hint: None, snippet: None }
    }

    pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { message: message.into(), hint: Some(hint.into()), snippet: None }
    }

    pub fn with_snippet(mut self, snippet: impl Into<String>) -> Self {
        self.snippet = Some(snippet.into());
        self
    }

    pub fn in_chain(err: &anyhow::Error) -> bool {
        err.chain().any(|e| e.is::<UsageError>())
    }
}

fn hints(err: &anyhow::Error) -> Vec<String> {
    let mut out = Vec::new();
    for cause in err.chain() {
        let hint = if let Some(e) = cause.downcast_ref::<UsageError>() {
            e.hint.clone()
        } else if let Some(e) = cause.downcast_ref::<crate::store::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::diff::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::git::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::capture::OutOfSpace>() {
            e.hint()
        } else {
            None
        };
        out.extend(hint);
    }
    out
}

/// Returns true if the error is a closed stdout (`git exp ls | head`), which is not a failure.
///
/// Writers that wrap the io::Error without exposing it through `source()` (serde_json, csv)
/// are recognised too, so a command that forgets to unwrap one still ends quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let broken = |kind: Option<io::ErrorKind>| kind == Some(io::ErrorKind::BrokenPipe);
    err.chain().any(|e| {
        if let Some(e) = e.downcast_ref::<io::Error>() {
            broken(Some(e.kind()))
        } else if let Some(e) = e.downcast_ref::<serde_json::Error>() {
            broken(e.io_error_kind())
        } else if let Some(e) = e.downcast_ref::<csv::Error>() {
            matches!(e.kind(), csv::ErrorKind::Io(io) if broken(Some(io.kind())))
        } else {
            false
        }
    })
}

/// Prints a clap error and returns its exit code: 0 for `--help`/`--version`, else 2.
pub fn clap_exit(err: &clap::Error) -> std::process::ExitCode {
    let _ = err.print();
    std::process::ExitCode::from(if err.use_stderr() { 2 } else { 0 })
}
