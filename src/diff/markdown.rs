//! The pull-request comment: GitHub-flavoured markdown, compact, with every user string escaped
//! so that a run name, a param or a file cannot break the layout or inject HTML.

use std::fmt::Write as _;

use super::code::short;
use super::text::{bytes, code_summary, opt_number, param_text, place, relative_text, signed};
use super::{CheckOutcome, RunDiff, Side, Verdict};
use crate::format;
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
    /// Branch names of A and B when CI named them; else the runs' recorded branches.
    pub branches: [Option<String>; 2],
    /// How the sides were found (`git exp diff` without sides), shown below the sides.
    pub how: Option<String>,
}

/// Renders the comment.
pub fn render_markdown(diff: &RunDiff, checks: &[CheckOutcome], options: &MarkdownOptions) -> String {
    let mut md = String::new();
    let _ = write_markdown(&mut md, diff, checks, options);
    // Table cells are escaped as they are written; this catches what is not in a table (the
    // title's branch or run name, the command, patches): a comment pasted into a terminal or
    // read on a page must not carry control or bidi characters.
    match crate::ui::visible_document(&md) {
        std::borrow::Cow::Borrowed(_) => md,
        std::borrow::Cow::Owned(shown) => shown,
    }
}

fn write_markdown(
    md: &mut String,
    diff: &RunDiff,
    checks: &[CheckOutcome],
    options: &MarkdownOptions,
) -> std::fmt::Result {
    let failed = checks.iter().filter(|c| c.failed).count();
    let mark = match (checks.is_empty(), failed) {
        (true, _) => "",
        (false, 0) => "✅ ",
        (false, _) => "❌ ",
    };
    let [branch_a, branch_b] = &options.branches;
    writeln!(md, "### {mark}git-exp: {} → {}\n", title(&diff.a, branch_a), title(&diff.b, branch_b))?;
    // The verdict first: what a reviewer must act on.
    write_checks(md, checks)?;
    writeln!(md, "{}\n", headline(diff))?;

    writeln!(md, "| | run | status | duration | code |")?;
    writeln!(md, "| --- | --- | --- | ---: | --- |")?;
    for (label, side) in [("A", &diff.a), ("B", &diff.b)] {
        let dirty = if side.dirty { " ⚠️ uncommitted changes" } else { "" };
        writeln!(
            md,
            "| **{label}** | {} {} | {} | {} | {}{dirty} |",
            run_link(side, options),
            esc(&side.name),
            esc(&side.status),
            format::duration(side.duration),
            esc(&place(side))
        )?;
    }
    let mut notes = Vec::new();
    if let Some(how) = &options.how {
        notes.push(format!("Sides: {}", esc(how)));
    }
    for (label, side) in [("A", &diff.a), ("B", &diff.b)] {
        if let Some(reason) = &side.picked {
            notes.push(format!("{label} picked: {}", esc(reason)));
        }
    }
    if !notes.is_empty() {
        writeln!(md, "\n<sub>{}</sub>", notes.join("<br>"))?;
    }

    write_values(md, diff)?;
    write_code(md, diff, options)?;
    write_env_and_artifacts(md, diff)?;

    let mut footer = Vec::new();
    // With an `{id}` placeholder the runs themselves are linked above.
    if let Some(url) = &options.report_url {
        let url = url.replace("{id}", &diff.b.id);
        footer.push(format!("[Full report]({})", link_target(&url)));
    }
    if let Some(command) = &options.command {
        footer.push(format!("reproduce with {}", code_span(command)));
    }
    if !footer.is_empty() {
        writeln!(md, "\n<sub>{}</sub>", footer.join(" · "))?;
    }
    Ok(())
}

/// `` `feature/x` (abc1234) ``: the branch (or the run's name) and the commit the run is on.
fn title(side: &Side, branch: &Option<String>) -> String {
    let name = branch.as_deref().or(side.branch.as_deref()).unwrap_or(&side.name);
    let commit = side.base.as_deref().map(|b| format!(" ({})", short(b))).unwrap_or_default();
    let dirty = if side.dirty { " ⚠️" } else { "" };
    format!("{}{commit}{dirty}", code_span(name))
}

/// One line: what changed, in numbers.
fn headline(diff: &RunDiff) -> String {
    let mut parts = Vec::new();
    let changed = diff.metrics.iter().filter(|m| m.changed()).count();
    parts.push(format!("{changed} of {} metrics changed", diff.metrics.len()));
    let better = count_verdicts(diff, Verdict::Better);
    let worse = count_verdicts(diff, Verdict::Worse);
    if better + worse > 0 {
        parts.push(format!("{better} better, {worse} worse"));
    }
    let n = diff.params.len();
    parts.push(if n == 1 { "1 param changed".to_owned() } else { format!("{n} params changed") });
    parts.push(if diff.code.files.is_empty() { "code unchanged".to_owned() } else { code_summary(diff) });
    if diff.a.status != diff.b.status {
        parts.push(format!("status {} → {}", esc(&diff.a.status), esc(&diff.b.status)));
    }
    if !diff.env.is_empty() {
        parts.push(crate::format::count(diff.env.len(), "environment change", None));
    }
    if !diff.artifacts.is_empty() {
        parts.push(format!("{} changed", crate::format::count(diff.artifacts.len(), "artifact", None)));
    }
    format!("**{}**", parts.join(" · "))
}

/// Metrics (by their last value) judged `verdict` by their goal.
fn count_verdicts(diff: &RunDiff, verdict: Verdict) -> usize {
    diff.metrics.iter().filter(|m| m.rollups.first().and_then(|r| r.verdict) == Some(verdict)).count()
}

/// Changed params and the metric rollups that differ; the unchanged rest in a collapsed block.
fn write_values(md: &mut String, diff: &RunDiff) -> std::fmt::Result {
    if diff.params.is_empty() && diff.metrics.is_empty() {
        return writeln!(md, "\nNo params or metrics to compare.");
    }
    let mut changed = Vec::new();
    let mut unchanged = Vec::new();
    for p in &diff.params {
        let side = |v: Option<&toml::Value>| if v.is_some() { esc(&param_text(v)) } else { "—".to_owned() };
        let field = format!("params.{}", p.key);
        changed.push(format!("| {} | {} | {} | | |", code_span(&field), side(p.a.as_ref()), side(p.b.as_ref())));
    }
    for metric in &diff.metrics {
        for r in &metric.rollups {
            // Full field names, as `--fail-if` and `ls --columns` take them; one value for
            // metrics logged once.
            let name = if metric.rollups.len() == 1 {
                format!("metrics.{}", metric.key)
            } else {
                super::RunDiff::metric_field(&metric.key, r.rollup).to_string()
            };
            let side = |v: Option<f64>| if v.is_some() { opt_number(v) } else { "—".to_owned() };
            let delta = marked_delta(r);
            let row = format!(
                "| {} | {} | {} | {delta} | {} |",
                code_span(&name),
                side(r.a),
                side(r.b),
                relative_text(r.relative)
            );
            if r.changed() { changed.push(row) } else { unchanged.push(row) }
        }
    }
    let header = "| | A | B | Δ | Δ% |\n| --- | ---: | ---: | ---: | ---: |";
    if changed.is_empty() {
        writeln!(md, "\nNo params or metrics changed.")?;
    } else {
        writeln!(md, "\n{header}\n{}", changed.join("\n"))?;
    }
    if !unchanged.is_empty() {
        let n = unchanged.len();
        let what = if n == 1 { "1 unchanged value".to_owned() } else { format!("{n} unchanged values") };
        writeln!(md, "\n<details><summary>{what}</summary>\n\n{header}\n{}\n\n</details>", unchanged.join("\n"))?;
    }
    Ok(())
}

/// `✅ +0.02` or `❌ -0.1` by the metric's goal; a bare signed change without one.
fn marked_delta(r: &super::RollupChange) -> String {
    let text = signed(r.delta);
    match r.verdict {
        Some(Verdict::Better) => format!("✅ {text}"),
        Some(Verdict::Worse) => format!("❌ {text}"),
        _ => text,
    }
}

fn write_checks(md: &mut String, checks: &[CheckOutcome]) -> std::fmt::Result {
    if checks.is_empty() {
        return Ok(());
    }
    let failed = checks.iter().filter(|c| c.failed).count();
    if failed == 0 {
        writeln!(md, "**✅ {} passed**\n", plural_checks(checks.len()))?;
    } else {
        writeln!(md, "**❌ {failed} of {} failed**\n", plural_checks(checks.len()))?;
    }
    // Failed checks first.
    for check in checks.iter().filter(|c| c.failed).chain(checks.iter().filter(|c| !c.failed)) {
        let mark = if check.failed { "❌ failed" } else { "✅ passed" };
        let values: Vec<String> = check.values.iter().map(|v| esc(v)).collect();
        writeln!(md, "- {mark}: {} ({})", code_span(&check.condition), values.join("; "))?;
    }
    writeln!(md)
}

fn plural_checks(n: usize) -> String {
    if n == 1 { "1 check".to_owned() } else { format!("{n} checks") }
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
