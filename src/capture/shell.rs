//! Where a `{param}` lands in a shell script. A command is a list of words run without a shell,
//! so a value substituted into a word arrives as it is. But one word may itself be a script —
//! the `…` of `sh -c "…"` — and a value pasted into it raw would be parsed by that shell:
//! `-p x="'; touch pwned #"` would run `touch`. Values in such a word are quoted for the shell
//! (`shlex`), taking into account the quotes around the placeholder in the script.

/// Shells that take a script with `-c` and parse it with POSIX quoting.
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox"];

/// Returns the index of the word that is a POSIX shell script (`sh -c SCRIPT`, `bash -lc SCRIPT`,
/// `env A=1 sh -e -c SCRIPT`), if there is one.
pub fn script_index(command: &[String]) -> Option<usize> {
    let mut i = 0;
    // `env [-i] [NAME=VALUE]… sh …` runs the shell too.
    if command.first().is_some_and(|w| program(w) == "env") {
        i = 1;
        while command.get(i).is_some_and(|w| w.starts_with('-') || w.contains('=')) {
            i += 1;
        }
    }
    let shell = program(command.get(i)?);
    if !SHELLS.contains(&shell) {
        return None;
    }
    i += 1;
    if shell == "busybox" {
        // `busybox sh -c …`
        if !command.get(i).is_some_and(|w| SHELLS.contains(&program(w))) {
            return None;
        }
        i += 1;
    }
    // Options come before the script: `-c` (alone or in a cluster such as `-ec`) says the first
    // word after the options is the script; `-o NAME` / `+o NAME` take a word.
    let mut has_c = false;
    while let Some(word) = command.get(i) {
        if word == "--" {
            i += 1;
            break;
        }
        let Some(flags) = word.strip_prefix('-').or_else(|| word.strip_prefix('+')) else {
            break;
        };
        if flags.is_empty() || flags.starts_with('-') {
            // `-` ends the options; `--login` and the like are long options.
            i += 1;
            if flags.is_empty() {
                break;
            }
            continue;
        }
        has_c |= word.starts_with('-') && flags.contains('c');
        if flags.contains('o') {
            i += 1;
        }
        i += 1;
    }
    (has_c && i < command.len()).then_some(i)
}

/// The program's name: `/bin/sh` → `sh`.
fn program(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The quoting in force at the end of a piece of shell script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Bare,
    Single,
    Double,
}

/// Returns the quoting in force after `script` (POSIX rules: `\` escapes outside single quotes,
/// `'…'` and `"…"`). Command substitutions inside double quotes are not followed.
pub fn context_after(script: &str) -> Context {
    let mut context = Context::Bare;
    let mut chars = script.chars();
    while let Some(c) = chars.next() {
        context = match (context, c) {
            (Context::Bare | Context::Double, '\\') => {
                chars.next();
                context
            }
            (Context::Bare, '\'') => Context::Single,
            (Context::Bare, '"') => Context::Double,
            (Context::Single, '\'') | (Context::Double, '"') => Context::Bare,
            _ => context,
        };
    }
    context
}

/// Returns `value` as text to paste where `context` is in force, such that the shell reads it
/// back as exactly `value`: closed quotes, a quoted word, the quotes reopened.
pub fn quote_in(context: Context, value: &str) -> Result<String, shlex::QuoteError> {
    let quoted = shlex::try_quote(value)?;
    Ok(match context {
        Context::Bare => quoted.into_owned(),
        Context::Single => format!("'{quoted}'"),
        Context::Double => format!("\"{quoted}\""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn finds_the_script_of_a_shell() {
        let cases: &[(&[&str], Option<usize>)] = &[
            (&["sh", "-c", "echo {x}"], Some(2)),
            (&["/bin/bash", "-lc", "echo {x}", "name", "{y}"], Some(2)),
            (&["bash", "-e", "-o", "pipefail", "-c", "echo {x}"], Some(5)),
            (&["bash", "-c", "--", "echo"], Some(3)),
            (&["env", "A=1", "-i", "sh", "-c", "x"], Some(5)),
            (&["busybox", "sh", "-c", "x"], Some(3)),
            (&["sh", "script.sh", "{x}"], None),
            (&["sh", "-c"], None),
            (&["python3", "-c", "print({x})"], None),
            (&["shellcheck", "-c", "x"], None),
            (&[], None),
        ];
        for (command, expected) in cases {
            assert_eq!(script_index(&words(command)), *expected, "{command:?}");
        }
    }

    #[test]
    fn quoting_follows_the_context() {
        assert_eq!(context_after("echo "), Context::Bare);
        assert_eq!(context_after("echo '"), Context::Single);
        assert_eq!(context_after("echo \"a 'b"), Context::Double);
        assert_eq!(context_after("echo \\' "), Context::Bare);
        assert_eq!(context_after("echo 'a\\' "), Context::Bare);
        assert_eq!(context_after("echo \"a\\\" "), Context::Double);
        let evil = "'; touch pwned #";
        assert_eq!(quote_in(Context::Bare, evil).unwrap(), "\"'; touch pwned #\"");
        assert_eq!(quote_in(Context::Single, "a b").unwrap(), "''a b''");
        assert_eq!(quote_in(Context::Double, "plain").unwrap(), "\"plain\"");
        assert!(quote_in(Context::Bare, "nul\0").is_err());
    }
}
