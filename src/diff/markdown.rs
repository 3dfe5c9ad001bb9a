//! The pull-request comment: GitHub-flavoured markdown, compact, with every user string escaped
//! so that a run name, a param or a file cannot break the layout or inject HTML.

use std::fmt::Write as _;

use super::text::{arrow_delta, bytes, code_summary, opt_number, param_text, place, relative_text};
use super::{CheckOutcome, RunDiff, Side};
use crate::query::format_duration;
use crate::ui::escape_markdown_cell as esc;

/// GitHub refuses comments longer than 65,536 characters; patches beyond this budget are
/// listed but not shown.
const PATCH_BUDGET: usize = 48_000;

#[derive(Debug, Clone, Default)]
pub struct MarkdownOptions {
    /// Where the report is published; `{id}` in it is replaced by a run's id for per-run links.
    pub report_url: Option<String>,
    /// The command that reproduces the diff, named in the comment for readers who want more.
    pub command: Option<String>,
}

/// Renders the comment.
pub fn render_markdown(diff: &RunDiff, checks: &[CheckOutcome], options: &MarkdownOptions) -> String {
    let mut md = String::new();
    let _ = write_markdown(&mut md, diff, checks, options);
    md
}

fn write_markdown(
    md: &mut String,
    diff: &RunDiff,
    checks: &[CheckOutcome],
    options: &MarkdownOptions,
) -> std::fmt::Result {
    writeln!(md, "### git-exp: {} → {}\n", esc(&diff.a.name), esc(&diff.b.name))?;
    writeln!(md, "{}\n", headline(diff, checks))?;

    writeln!(md, "| | run | status | duration | code |")?;
    writeln!(md, "| --- | --- | --- | ---: | --- |")?;
    for (label, side) in [("A", &diff.a), ("B", &diff.b)] {
        writeln!(
            md,
            "| **{label}** | {} {} | {} | {} | {} |",
            run_link(side, options),
            esc(&side.name),
            esc(&side.status),
            format_duration(side.duration),
            esc(&place(side))
        )?;
    }
    for (label, side) in [("A", &diff.a), ("B", &diff.b)] {
        if let Some(reason) = &side.picked {
            writeln!(md, "\n{label} picked: {}", esc(reason))?;
        }
    }

    write_values(md, diff)?;
    write_checks(md, checks)?;
    write_code(md, diff, options)?;
    write_env_and_artifacts(md, diff)?;

    let mut footer = Vec::new();
    // With an `{id}` placeholder the runs themselves are linked above.
    if let Some(url) = options.report_url.as_ref().filter(|u| !u.contains("{id}")) {
        footer.push(format!("[Full report]({})", link_target(url)));
    }
    if let Some(command) = &options.command {
        footer.push(format!("reproduce with {}", code_span(command)));
    }
    if !footer.is_empty() {
        writeln!(md, "\n<sub>{}</sub>", footer.join(" · "))?;
    }
    Ok(())
}

/// One line: what changed, in numbers, and whether the checks passed.
fn headline(diff: &RunDiff, checks: &[CheckOutcome]) -> String {
    let mut parts = Vec::new();
    let n = diff.params.len();
    parts.push(if n == 1 { "1 param changed".to_owned() } else { format!("{n} params changed") });
    let changed = diff.metrics.iter().filter(|m| m.changed()).count();
    parts.push(format!("{changed} of {} metrics changed", diff.metrics.len()));
    parts.push(if diff.code.files.is_empty() { "code unchanged".to_owned() } else { code_summary(diff) });
    if diff.a.status != diff.b.status {
        parts.push(format!("status {} → {}", esc(&diff.a.status), esc(&diff.b.status)));
    }
    if !diff.env.is_empty() {
        parts.push(format!("{} environment changes", diff.env.len()));
    }
    if !diff.artifacts.is_empty() {
        parts.push(format!("{} artifacts changed", diff.artifacts.len()));
    }
    let failed = checks.iter().filter(|c| c.failed).count();
    if !checks.is_empty() {
        parts.push(if failed == 0 {
            format!("✅ {} checks passed", checks.len())
        } else {
            format!("❌ {failed} of {} checks failed", checks.len())
        });
    }
    format!("**{}**", parts.join(" · "))
}

fn write_values(md: &mut String, diff: &RunDiff) -> std::fmt::Result {
    if diff.params.is_empty() && diff.metrics.is_empty() {
        return writeln!(md, "\nNo params or metrics to compare.");
    }
    writeln!(md, "\n| | A | B | Δ | Δ% |")?;
    writeln!(md, "| --- | ---: | ---: | ---: | ---: |")?;
    for p in &diff.params {
        let side = |v: Option<&toml::Value>| if v.is_some() { esc(&param_text(v)) } else { "—".to_owned() };
        writeln!(md, "| params.{} | {} | {} | | |", esc(&p.key), side(p.a.as_ref()), side(p.b.as_ref()))?;
    }
    for metric in &diff.metrics {
        for r in &metric.rollups {
            // Full field names: what `--fail-if` and `ls --columns` take.
            let name = super::RunDiff::metric_field(&metric.key, r.rollup).to_string();
            let delta = arrow_delta(r.delta);
            // Unchanged rows are there for context; changed ones stand out in bold.
            let (delta, rel) = if r.changed() {
                (bold(&delta), bold(&relative_text(r.relative)))
            } else {
                (delta, relative_text(r.relative))
            };
            let side = |v: Option<f64>| if v.is_some() { opt_number(v) } else { "—".to_owned() };
            writeln!(md, "| {} | {} | {} | {delta} | {rel} |", esc(&name), side(r.a), side(r.b))?;
        }
    }
    Ok(())
}

fn write_checks(md: &mut String, checks: &[CheckOutcome]) -> std::fmt::Result {
    if checks.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n**Checks**\n")?;
    for check in checks {
        let mark = if check.failed { "❌ failed" } else { "✅ passed" };
        let values: Vec<String> = check.values.iter().map(|v| esc(v)).collect();
        writeln!(md, "- {mark}: {} ({})", code_span(&check.condition), values.join("; "))?;
    }
    Ok(())
}

fn write_code(md: &mut String, diff: &RunDiff, options: &MarkdownOptions) -> std::fmt::Result {
    if diff.code.files.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n<details><summary>Code: {}</summary>\n", esc(&code_summary(diff)))?;
    writeln!(md, "| file | change | + | − |")?;
    writeln!(md, "| --- | --- | ---: | ---: |")?;
    for file in &diff.code.files {
        let status = format!("{:?}", file.status).to_lowercase();
        let note = file.note.as_deref().map(|n| format!(", {}", esc(n))).unwrap_or_default();
        writeln!(md, "| {} | {status}{note} | {} | {} |", esc(&file.path), file.insertions, file.deletions)?;
    }
    let mut used = 0;
    let mut left_out = 0;
    let mut patches = String::new();
    for file in diff.code.files.iter().filter(|f| !f.patch.is_empty()) {
        if used + file.patch.len() > PATCH_BUDGET {
            left_out += 1;
            continue;
        }
        used += file.patch.len();
        patches.push_str(&format!("diff --git a/{} b/{}\n", file.path, file.path));
        patches.push_str(&file.patch);
        if !file.patch.ends_with('\n') {
            patches.push('\n');
        }
    }
    if !patches.is_empty() {
        let fence = "`".repeat(longest_backtick_run(&patches).max(2) + 1);
        writeln!(md, "\n{fence}diff\n{patches}{fence}")?;
    }
    if left_out > 0 {
        let hint = options.command.as_deref().map(|c| format!("; {} shows them", code_span(c))).unwrap_or_default();
        writeln!(md, "\n{left_out} more patches left out to keep this comment short{hint}.")?;
    }
    writeln!(md, "\n</details>")
}

fn write_env_and_artifacts(md: &mut String, diff: &RunDiff) -> std::fmt::Result {
    if !diff.env.is_empty() {
        writeln!(md, "\n<details><summary>Environment: {} changes</summary>\n", diff.env.len())?;
        writeln!(md, "| file | entry | A | B |")?;
        writeln!(md, "| --- | --- | --- | --- |")?;
        for c in &diff.env {
            let side = |v: &Option<String>| esc(v.as_deref().unwrap_or("—"));
            writeln!(md, "| {} | {} | {} | {} |", esc(&c.file), esc(&c.key), side(&c.a), side(&c.b))?;
        }
        writeln!(md, "\n</details>")?;
    }
    if !diff.artifacts.is_empty() {
        writeln!(md, "\n<details><summary>Artifacts: {} changed</summary>\n", diff.artifacts.len())?;
        writeln!(md, "| artifact | A | B |")?;
        writeln!(md, "| --- | --- | --- |")?;
        for c in &diff.artifacts {
            let side = |a: &Option<crate::store::Artifact>| match a {
                Some(a) => format!("{} ({})", esc(a.sha256.get(..12).unwrap_or(&a.sha256)), bytes(a.size)),
                None => "—".to_owned(),
            };
            writeln!(md, "| {} | {} | {} |", esc(&c.path), side(&c.a), side(&c.b))?;
        }
        writeln!(md, "\n</details>")?;
    }
    Ok(())
}

/// The run id, linked to its report page when the report URL has an `{id}` placeholder.
fn run_link(side: &Side, options: &MarkdownOptions) -> String {
    match &options.report_url {
        Some(url) if url.contains("{id}") => {
            format!("[`{}`]({})", side.id, link_target(&url.replace("{id}", &side.id)))
        }
        _ => format!("`{}`", side.id),
    }
}

/// Percent-encodes what would end a markdown link target or open HTML.
fn link_target(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for ch in url.chars() {
        match ch {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            '`' => out.push_str("%60"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds any text: fenced with more backticks than the text's longest run,
/// and on one line.
fn code_span(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn bold(text: &str) -> String {
    if text.is_empty() { String::new() } else { format!("**{text}**") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_links_cannot_be_escaped_from() {
        assert_eq!(code_span("a < b"), "`a < b`");
        assert_eq!(code_span("x ``` y"), "````x ``` y````");
        assert_eq!(code_span("`tick`"), "`` `tick` ``");
        assert_eq!(link_target("https://x.io/a b/(1)\"<s>"), "https://x.io/a%20b/%281%29%22%3Cs%3E");
    }
}
