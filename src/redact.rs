//! Keeps secrets out of what git-exp prints and records.
//!
//! Two jobs, one notion of "secret":
//! - URLs in messages and ref names: the userinfo (`user:password@`) is dropped, as git itself
//!   shows URLs (`https://host/x`), and the values of query parameters whose name looks secret
//!   (`?token=…`, `X-Amz-Signature=…`) become `<redacted>`;
//! - a recorded command (and `pip freeze`): the value of an option whose name looks secret
//!   (`--password hunter2`, `--api-key=…`) becomes `<redacted>`, and so do URLs' userinfo.
//!
//! A name looks secret when one of its word parts (split at `-`, `_`, `.` and lower-to-upper
//! case changes) is a secret word: `--api-key` and `--apiKey` are, `--keyframes` and `--author`
//! are not.

use std::borrow::Cow;

use regex::Regex;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Word parts of an option or parameter name that say its value is a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "token",
    "secret",
    "key",
    "auth",
    "credential",
    "credentials",
    "signature",
    "sig",
    // Written as one word, without a separator to split at.
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "authtoken",
    "accesstoken",
];

/// Returns whether `name` (an option without its dashes, a query or environment variable name)
/// has a secret word as one of its parts.
pub fn is_secret_name(name: &str) -> bool {
    name_parts(name).iter().any(|part| SECRET_WORDS.contains(&part.as_str()))
}

/// Splits `apiKey`, `api-key`, `API_KEY` and `db.password` into lower-case word parts.
fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            parts.push(std::mem::take(&mut part));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            parts.push(std::mem::take(&mut part));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        part.extend(c.to_lowercase());
    }
    parts.push(part);
    parts.retain(|p| !p.is_empty());
    parts
}

/// Returns `url` as it may be shown: without userinfo (git drops it whole, so do we) and with
/// the values of secret-looking query parameters replaced. Text that is not a `scheme://` URL (a
/// remote name, a path, an scp-like `git@host:path`, whose user is no secret) is returned as is.
pub fn url(url: &str) -> Cow<'_, str> {
    let Some(sep) = url.find("://") else {
        return Cow::Borrowed(url);
    };
    let scheme = &url[..sep];
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return Cow::Borrowed(url);
    }
    let rest = &url[sep + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority.rfind('@').map_or(authority, |at| &authority[at + 1..]);
    let path = redact_query(path);
    if host.len() == authority.len() && matches!(path, Cow::Borrowed(_)) {
        return Cow::Borrowed(url);
    }
    Cow::Owned(format!("{scheme}://{host}{path}"))
}

/// Replaces the values of secret-looking parameters in the query of `path` (`/x?a=1&token=…#f`).
fn redact_query(path: &str) -> Cow<'_, str> {
    let Some(q) = path.find('?') else {
        return Cow::Borrowed(path);
    };
    let end = path[q..].find('#').map_or(path.len(), |i| q + i);
    let query = &path[q + 1..end];
    let mut changed = false;
    let params: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_name(name) => {
                changed = true;
                Cow::Owned(format!("{name}={REDACTED}"))
            }
            _ => Cow::Borrowed(param),
        })
        .collect();
    if !changed {
        return Cow::Borrowed(path);
    }
    Cow::Owned(format!("{}?{}{}", &path[..q], params.join("&"), &path[end..]))
}

/// Redacts every `scheme://` URL inside `text`: an error line from git, a `pip freeze` line, a
/// word of a command. A URL ends at white space or a quote.
pub fn urls_in(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut search = 0;
    while let Some(i) = text[search..].find("://") {
        let sep = search + i;
        let start = text[..sep]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .map_or(0, |j| j + 1)
            .max(done);
        let end = text[sep..].find(|c: char| c.is_whitespace() || "'\"<>`".contains(c)).map_or(text.len(), |j| sep + j);
        out.push_str(&text[done..start]);
        out.push_str(&url(&text[start..end]));
        done = end;
        search = end.max(sep + 3);
        if search >= text.len() {
            break;
        }
    }
    out.push_str(&text[done..]);
    if out == text { Cow::Borrowed(text) } else { Cow::Owned(out) }
}

/// Redacts secrets from what a run records: the values of secret-looking options and the
/// userinfo of URLs. Built from `[redact]` in `exp.toml`.
#[derive(Debug, Clone)]
pub struct Redactor {
    enabled: bool,
    /// Extra option names, as case-insensitive regexes searched in the name without dashes.
    patterns: Vec<Regex>,
}

impl Default for Redactor {
    fn default() -> Self {
        Self { enabled: true, patterns: Vec::new() }
    }
}

/// A `[redact] patterns` entry that is not a regex.
#[derive(Debug, thiserror::Error)]
#[error("redact.patterns: `{pattern}` is not a regex: {message}")]
pub struct PatternError {
    pub pattern: String,
    pub message: String,
}

impl Redactor {
    /// Builds a redactor: `enabled = false` records commands as typed; each pattern is a regex
    /// (a plain word is one) searched, ignoring case, in option names.
    pub fn new(enabled: bool, patterns: &[String]) -> Result<Self, PatternError> {
        let patterns = patterns
            .iter()
            .map(|p| {
                regex::RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| PatternError { pattern: p.clone(), message: e.to_string().replace('\n', " ") })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { enabled, patterns })
    }

    fn is_secret(&self, name: &str) -> bool {
        let name = name.trim_start_matches('-');
        !name.is_empty() && (is_secret_name(name) || self.patterns.iter().any(|p| p.is_match(name)))
    }

    /// Returns the command as it is recorded: `--password hunter2` as `--password <redacted>`,
    /// `--token=abc` as `--token=<redacted>`, `API_KEY=abc` as `API_KEY=<redacted>`, URLs
    /// without userinfo. A word holding spaces (a shell script given to `sh -c`) is redacted
    /// word by word.
    pub fn command(&self, args: &[String]) -> Vec<String> {
        if !self.enabled {
            return args.to_vec();
        }
        self.words(args.iter().map(String::as_str), true)
    }

    /// Redacts a text of lines (`pip freeze`, whose URLs may carry tokens, and whose
    /// `--index-url` lines are options).
    pub fn text(&self, text: &str) -> String {
        if !self.enabled {
            return text.to_owned();
        }
        let lines: Vec<String> = text.split('\n').map(|line| self.words(line.split(' '), false).join(" ")).collect();
        lines.join("\n")
    }

    fn words<'a>(&self, words: impl Iterator<Item = &'a str>, split_scripts: bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut value_is_secret = false;
        for word in words {
            if value_is_secret && !word.is_empty() && !looks_like_option(word) {
                // A `{param}` placeholder of a command template is no secret, and `rerun` needs it.
                out.push(if is_placeholder(word) { word.to_owned() } else { REDACTED.to_owned() });
                value_is_secret = false;
                continue;
            }
            // `--password  hunter2` in a script: the empty words between spaces do not count.
            if word.is_empty() {
                out.push(String::new());
                continue;
            }
            value_is_secret = false;
            if looks_like_option(word) {
                match word.split_once('=') {
                    Some((name, value)) if self.is_secret(name) && !is_placeholder(value) => {
                        out.push(format!("{name}={REDACTED}"));
                    }
                    Some(_) => out.push(urls_in(word).into_owned()),
                    None => {
                        value_is_secret = self.is_secret(word);
                        out.push(word.to_owned());
                    }
                }
            } else if split_scripts && word.contains(' ') {
                out.push(self.words(word.split(' '), false).join(" "));
            } else if let Some((name, _)) = word.split_once('=')
                && !name.is_empty()
                && name.chars().all(|c| c.is_alphanumeric() || "_.-".contains(c))
                && self.is_secret(name)
            {
                out.push(format!("{name}={REDACTED}"));
            } else {
                out.push(urls_in(word).into_owned());
            }
        }
        out
    }
}

/// `{lr}`: a param placeholder of a command template.
fn is_placeholder(word: &str) -> bool {
    word.len() > 2 && word.starts_with('{') && word.ends_with('}') && !word[1..word.len() - 1].contains(['{', '}'])
}

/// `--name`, `-n`, but not `-` (stdin), `--` (end of options) or `-5` (a number).
fn looks_like_option(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next() == Some('-') && chars.next().is_some_and(|c| c.is_alphabetic() || (c == '-' && word.len() > 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn secret_names_match_word_parts() {
        for name in [
            "password",
            "db-password",
            "passwd",
            "pwd",
            "token",
            "auth-token",
            "api-key",
            "api_key",
            "apiKey",
            "API_KEY",
            "apikey",
            "access-key",
            "key",
            "secret",
            "client_secret",
            "auth",
            "credentials",
            "X-Amz-Signature",
            "X-Amz-Credential",
            "db.password",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["keyframes", "author", "lr", "tokens", "max-tokens", "monkey", "epochs", "passes", "hotkeys"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn urls_lose_userinfo_and_query_secrets() {
        assert_eq!(url("https://user:hunter2@host/x.git"), "https://host/x.git");
        assert_eq!(url("https://tok@host"), "https://host");
        assert_eq!(url("s3://key:secret@bucket/prefix"), "s3://bucket/prefix");
        assert_eq!(url("https://host/x?a=1&token=abc#f"), "https://host/x?a=1&token=<redacted>#f");
        assert_eq!(
            url("https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff"),
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>"
        );
        for clean in ["origin", "git@github.com:me/r.git", "/srv/r.git", "https://host/x?page=2", "http://h:8080/"] {
            assert!(matches!(url(clean), Cow::Borrowed(_)), "{clean}");
        }
    }

    #[test]
    fn urls_inside_text() {
        assert_eq!(
            urls_in("fatal: unable to access 'http://u:pw@127.0.0.1:1/x/': refused"),
            "fatal: unable to access 'http://127.0.0.1:1/x/': refused"
        );
        assert_eq!(
            urls_in("pkg @ git+https://oauth2:tok@gitlab.com/a/b.git@v1 and https://h/?sig=zz"),
            "pkg @ git+https://gitlab.com/a/b.git@v1 and https://h/?sig=<redacted>"
        );
        assert_eq!(urls_in("no urls :// here"), "no urls :// here");
        assert_eq!(urls_in("://"), "://");
        assert_eq!(urls_in("a://b@"), "a://");
    }

    #[test]
    fn commands_keep_names_and_drop_values() {
        let r = Redactor::default();
        let cmd = words("python train.py --password hunter2 --token=abc --api-key k1 --keyframes 3 --lr 0.1");
        assert_eq!(
            r.command(&cmd).join(" "),
            "python train.py --password <redacted> --token=<redacted> --api-key <redacted> --keyframes 3 --lr 0.1"
        );
        assert_eq!(r.command(&words("env API_TOKEN=abc x --auth")).join(" "), "env API_TOKEN=<redacted> x --auth");
        assert_eq!(r.command(&words("x --no-auth --epochs 3")).join(" "), "x --no-auth --epochs 3");
        assert_eq!(r.command(&words("git clone https://u:pw@h/r")).join(" "), "git clone https://h/r");
        let template = words("train --token {token} --api-key={key} --password {x}y");
        assert_eq!(r.command(&template).join(" "), "train --token {token} --api-key={key} --password <redacted>");
        let script = vec!["sh".into(), "-c".into(), "train --secret  s3cr3t --lr 1".into()];
        assert_eq!(r.command(&script)[2], "train --secret  <redacted> --lr 1");
        let custom = Redactor::new(true, &["^hf$".into(), "wandb".into()]).expect("valid regexes");
        assert_eq!(
            custom.command(&words("x --hf a --wandb-id b --hfx c")).join(" "),
            "x --hf <redacted> --wandb-id <redacted> --hfx c"
        );
        let off = Redactor::new(false, &[]).expect("no patterns");
        assert_eq!(off.command(&words("x --password p")).join(" "), "x --password p");
        assert!(Redactor::new(true, &["(".into()]).expect_err("bad regex").to_string().contains("`(`"));
    }

    #[test]
    fn pip_freeze_lines() {
        let r = Redactor::default();
        let freeze = "--index-url https://__token__:pypi-abc@example.com/simple\nnumpy==2.0\n\
            private @ git+https://user:ghp_x@github.com/o/p.git\n";
        assert_eq!(
            r.text(freeze),
            "--index-url https://example.com/simple\nnumpy==2.0\nprivate @ git+https://github.com/o/p.git\n"
        );
    }
}
