//! Terminal output: the data stream (stdout), the status stream (stderr), colours, progress,
//! output formats and error reports. Commands write through [`Ui`] only.

mod color;
mod escape;
mod pager;
mod plain_rows;
mod rows;
mod spark;
mod table;

use std::io::{self, IsTerminal as _, Write};
use std::process::{Child, ChildStdin};

use anstream::AutoStream;
pub use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};

pub use escape::{is_dangerous, shown as shown_char, visible, visible_code, visible_document, visible_lines};
pub use plain_rows::PlainRows;
pub use rows::{JsonArray, RowWriter, Widths};
pub use spark::sparkline;
pub use table::{Cell, Table, escape_markdown_cell};

pub use color::ColorWhen;

/// The global options the output layer follows (built by `cli`, so ui stays below it).
#[derive(Debug, Clone, Copy, Default)]
pub struct UiOptions {
    pub format: Option<Format>,
    pub color: Option<ColorWhen>,
    pub no_pager: bool,
    pub paginate: bool,
    pub quiet: bool,
}

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
    out: io::BufWriter<Stdout>,
    err: AutoStream<io::Stderr>,
    status: Shown<AutoStream<io::Stderr>>,
    sink: Sink,
    /// What `--format` asked for; `format` is what the command prints, once `select_format` checked it.
    requested: Option<Format>,
    format: Format,
    quiet: bool,
    stdout_tty: bool,
    stderr_tty: bool,
    color_flag: Option<ColorWhen>,
    color_env: color::ColorEnv,
    color_out: bool,
    color_err: bool,
    paging: Paging,
    /// The running pager stdout goes to, waited for by [`Ui::finish`].
    pager: Option<Child>,
}

/// What `--no-pager`/`--paginate` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paging {
    Never,
    /// When stdout is a terminal (the default).
    Auto,
    Always,
}

/// The user's git settings that shape output, read by the caller (the store reads git config).
#[derive(Debug, Clone, Default)]
pub struct GitSettings {
    /// `core.pager`.
    pub pager: Option<String>,
    /// `color.ui`.
    pub color_ui: Option<String>,
}

impl GitSettings {
    /// The git config keys, in the order [`GitSettings::from_values`] takes them.
    pub const KEYS: &[&str] = &["core.pager", "color.ui"];

    pub fn from_values(values: Vec<Option<String>>) -> Self {
        let mut values = values.into_iter();
        Self { pager: values.next().flatten(), color_ui: values.next().flatten() }
    }
}

/// Where stdout goes: the terminal (or pipe), or a pager's input.
enum Stdout {
    Direct(AutoStream<io::Stdout>),
    Pager(ChildStdin),
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stdout::Direct(out) => out.write(buf),
            Stdout::Pager(out) => out.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stdout::Direct(out) => out.flush(),
            Stdout::Pager(out) => out.flush(),
        }
    }
}

fn direct_stdout() -> Stdout {
    // git-exp writes escapes only when colour is on (see `style`), so the streams pass bytes
    // through; stripping would scan every byte of a 10,000-run listing for nothing.
    Stdout::Direct(AutoStream::new(io::stdout(), ColorChoice::AlwaysAnsi))
}

impl Ui {
    pub fn new(global: &UiOptions) -> Self {
        let stdout_tty = io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        let color_env = color::ColorEnv::read();
        let paging = match (global.no_pager, global.paginate) {
            (true, _) => Paging::Never,
            (_, true) => Paging::Always,
            _ => Paging::Auto,
        };
        Self {
            out: io::BufWriter::new(direct_stdout()),
            err: AutoStream::new(io::stderr(), ColorChoice::AlwaysAnsi),
            status: Shown(AutoStream::new(io::stderr(), ColorChoice::AlwaysAnsi)),
            sink: Sink,
            requested: global.format,
            format: Format::Table,
            quiet: global.quiet,
            stdout_tty,
            stderr_tty,
            color_flag: global.color,
            color_env,
            color_out: color::wanted(global.color, None, color_env, stdout_tty || color_env.git_pager),
            color_err: color::wanted(global.color, None, color_env, stderr_tty),
            paging,
            pager: None,
        }
    }

    /// Whether the git settings are needed at all: `color.ui` unless `--color` decided, and
    /// `core.pager` when a pager may start; reading them costs a repository discovery.
    pub fn needs_git_settings(&self, pages: bool) -> bool {
        self.color_flag.is_none() || self.wants_pager(pages)
    }

    fn wants_pager(&self, pages: bool) -> bool {
        pages
            && self.format == Format::Table
            && match self.paging {
                Paging::Never => false,
                Paging::Auto => self.stdout_tty,
                Paging::Always => true,
            }
    }

    /// Applies the user's git settings once the format is settled: starts the pager when the
    /// command `pages` (prints long text) and stdout is a terminal or `--paginate` asked, then
    /// settles colours (`color.ui`; a pager counts as a terminal, as in git).
    pub fn configure(&mut self, git: &GitSettings, pages: bool) {
        if self.wants_pager(pages) {
            let env = |name: &str| std::env::var(name).ok();
            if let Some(command) = pager::choose(env("GIT_PAGER"), git.pager.clone(), env("PAGER")) {
                match pager::spawn(&command) {
                    Ok((child, stdin)) => {
                        self.out = io::BufWriter::new(Stdout::Pager(stdin));
                        self.pager = Some(child);
                    }
                    Err(err) => self.warn(format_args!("cannot start the pager `{command}`: {err}")),
                }
            }
        }
        let color_ui = git.color_ui.as_deref().and_then(color::from_git);
        let out_terminal = self.stdout_tty || self.pager.is_some() || self.color_env.git_pager;
        self.color_out = color::wanted(self.color_flag, color_ui, self.color_env, out_terminal);
        self.color_err = color::wanted(self.color_flag, color_ui, self.color_env, self.stderr_tty);
    }

    /// The data stream (stdout, buffered).
    pub fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// The status stream (stderr); a sink under `-q`. Status lines name runs, remotes, paths and
    /// bundle entries, all of which may come from others: the stream itself shows their control
    /// and bidi characters (`escape::visible_lines`), so no status line can send one.
    pub fn status(&mut self) -> &mut dyn Write {
        if self.quiet { &mut self.sink } else { &mut self.status }
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

    /// Whether stdout is a terminal (and not paged): where a live view may redraw in place.
    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_tty && self.pager.is_none()
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
        self.print_fitted(table, table::Fit::Plain)
    }

    /// Renders a table whose rows are runs: fitted to a narrow terminal, the columns with the
    /// same value in every run fold into one `all runs: …` line first.
    pub fn print_runs_table(&mut self, table: &Table) -> io::Result<()> {
        self.print_fitted(table, table::Fit::Runs)
    }

    fn print_fitted(&mut self, table: &Table, fit: table::Fit) -> io::Result<()> {
        let format = self.format();
        let width = if format == Format::Table { self.width() } else { None };
        let header = self.style(Style::new().bold());
        table::render_fitted(table, format, width, fit, header, &mut self.out)
    }

    /// A table written row by row to stdout in the chosen format (not JSON), for tables too long
    /// to hold; `widths` matter only for the terminal layout.
    pub fn row_writer(&mut self, columns: &[&str], widths: Widths) -> io::Result<RowWriter<'_>> {
        let header = self.style(Style::new().bold());
        RowWriter::new(self.format(), columns, widths, header, &mut self.out)
    }

    /// A JSON array written element by element to stdout, as `print_json` writes a whole one.
    pub fn json_array(&mut self) -> io::Result<JsonArray<'_>> {
        JsonArray::new(&mut self.out)
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

    /// Flushes stdout and, when a pager shows it, closes its input and waits until the user
    /// quits it, so that the shell prompt (and any error printed next) comes after the pager.
    pub fn finish(&mut self) {
        let _ = self.out.flush();
        if let Some(mut child) = self.pager.take() {
            // Dropping the old writer closes the pager's input: it sees the end of the output.
            drop(std::mem::replace(&mut self.out, io::BufWriter::new(direct_stdout())));
            // The pager's own exit status is not ours to report (git ignores it too).
            let _ = child.wait();
        }
    }

    /// Prints an error as git does: `error: …`, then its causes and the hints of usage errors.
    pub fn report(&mut self, err: &anyhow::Error) {
        self.report_with(err, &|_| None);
    }

    /// Prints an error as [`Ui::report`] does, with the hints `hint` finds in its causes: the
    /// domain modules' errors know their next steps, and ui stays below them.
    pub fn report_with(
        &mut self,
        err: &anyhow::Error,
        hint: &dyn Fn(&(dyn std::error::Error + 'static)) -> Option<String>,
    ) {
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
        for hint in hints(err, hint) {
            let _ = writeln!(self.err, "hint: {}", visible_lines(&hint));
        }
    }
}

/// A writer that shows dangerous characters instead of sending them (see `escape`), keeping
/// line breaks. Status lines are written with `writeln!`, whose every piece is a whole `str`, so
/// a character is never split across two writes; bytes that are not UTF-8 are shown as U+FFFD.
struct Shown<W>(W);

impl<W: Write> Write for Shown<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(visible_lines(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
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

fn hints(err: &anyhow::Error, hint: &dyn Fn(&(dyn std::error::Error + 'static)) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    for cause in err.chain() {
        let found = match cause.downcast_ref::<UsageError>() {
            Some(e) => e.hint.clone(),
            None => hint(cause),
        };
        out.extend(found);
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_status_stream_shows_escapes() {
        use std::io::Write as _;
        let mut status = super::Shown(Vec::new());
        let remote = "/tmp/\x1b]0;t\x07\u{202e}r";
        writeln!(status, "Fetched from {remote}: 1 new.").expect("writes to a Vec");
        assert_eq!(String::from_utf8(status.0).expect("utf-8"), "Fetched from /tmp/\\e]0;t\\a\\u{202e}r: 1 new.\n");
    }
}
