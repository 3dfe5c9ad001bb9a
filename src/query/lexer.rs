//! Splits an expression into tokens, each with its byte span for error carets.

use std::ops::Range;

use super::Error;
use super::eval::CmpOp;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A bare word: a field, a keyword or an unquoted value (`params.lr`, `and`, `0.01`, `10m`).
    Word(String),
    /// A quoted string, unescaped.
    Str(String),
    Cmp(CmpOp),
    Match,
    NotMatch,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    End,
}

impl Tok {
    /// How the token is named in "found …" messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::End => "the end of the expression".into(),
            other => format!("`{}`", other.symbol()),
        }
    }

    pub fn symbol(&self) -> &'static str {
        match self {
            Tok::Cmp(op) => op.symbol(),
            Tok::Match => "~",
            Tok::NotMatch => "!~",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Word(_) | Tok::Str(_) | Tok::End => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

/// Characters that end a bare word: whitespace, operators, brackets, quotes.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || "=!<>~()[],\"'&|".contains(c)
}

/// Splits `text` into tokens; the last one is always [`Tok::End`].
pub fn tokenize(text: &str) -> Result<Vec<Token>, Error> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let two = text[start..].get(..2).unwrap_or("");
        let (tok, len) = match (c, two) {
            (_, "!=") => (Tok::Cmp(CmpOp::Ne), 2),
            (_, "!~") => (Tok::NotMatch, 2),
            (_, "<=") => (Tok::Cmp(CmpOp::Le), 2),
            (_, ">=") => (Tok::Cmp(CmpOp::Ge), 2),
            (_, "==") => (Tok::Cmp(CmpOp::Eq), 2),
            (_, "&&") => return Err(Error::new(start..start + 2, "`&&` is written `and`")),
            (_, "||") => return Err(Error::new(start..start + 2, "`||` is written `or`")),
            ('!', _) => return Err(Error::new(start..start + 1, "`!` is written `not`")),
            ('&' | '|', _) => {
                return Err(Error::new(start..start + 1, format!("unexpected `{c}`"))
                    .with_hint("combine conditions with `and`, `or` and `not`"));
            }
            ('=', _) => (Tok::Cmp(CmpOp::Eq), 1),
            ('<', _) => (Tok::Cmp(CmpOp::Lt), 1),
            ('>', _) => (Tok::Cmp(CmpOp::Gt), 1),
            ('~', _) => (Tok::Match, 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('[', _) => (Tok::LBracket, 1),
            (']', _) => (Tok::RBracket, 1),
            (',', _) => (Tok::Comma, 1),
            ('"' | '\'', _) => {
                let (value, end) = string(text, start, c)?;
                tokens.push(Token { tok: Tok::Str(value), span: start..end });
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
                continue;
            }
            _ => {
                let end = text[start..].find(ends_word).map_or(text.len(), |i| start + i);
                tokens.push(Token { tok: Tok::Word(text[start..end].to_owned()), span: start..end });
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
                continue;
            }
        };
        tokens.push(Token { tok, span: start..start + len });
        for _ in 0..len {
            chars.next();
        }
    }
    tokens.push(Token { tok: Tok::End, span: text.len()..text.len() });
    Ok(tokens)
}

/// Reads a string quoted with `quote` starting at `start`; returns its value and end offset.
/// `\"`, `\'` and `\\` are escapes; any other backslash is kept, so that `"\d+"` is a regex.
fn string(text: &str, start: usize, quote: char) -> Result<(String, usize), Error> {
    let mut value = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, next)) if next == quote || next == '\\' => value.push(next),
                Some((_, next)) => {
                    value.push('\\');
                    value.push(next);
                }
                None => value.push('\\'),
            },
            c if c == quote => return Ok((value, start + 1 + i + 1)),
            c => value.push(c),
        }
    }
    Err(Error::new(start..text.len(), format!("unterminated string: no closing `{quote}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Result<Vec<Tok>, String> {
        tokenize(text).map(|t| t.into_iter().map(|t| t.tok).collect()).map_err(|e| e.message)
    }

    fn word(w: &str) -> Tok {
        Tok::Word(w.into())
    }

    #[test]
    fn splits_words_and_operators() {
        assert_eq!(
            toks("params.lr<0.01 and metrics.acc:max>=-1e-3").expect("lexes"),
            vec![
                word("params.lr"),
                Tok::Cmp(CmpOp::Lt),
                word("0.01"),
                word("and"),
                word("metrics.acc:max"),
                Tok::Cmp(CmpOp::Ge),
                word("-1e-3"),
                Tok::End
            ]
        );
        assert_eq!(
            toks("status in [failed,crashed] or name ~ \"^abl-\"").expect("lexes"),
            vec![
                word("status"),
                word("in"),
                Tok::LBracket,
                word("failed"),
                Tok::Comma,
                word("crashed"),
                Tok::RBracket,
                word("or"),
                word("name"),
                Tok::Match,
                Tok::Str("^abl-".into()),
                Tok::End
            ]
        );
        assert_eq!(
            toks("a==b != c !~ d").expect("lexes"),
            vec![
                word("a"),
                Tok::Cmp(CmpOp::Eq),
                word("b"),
                Tok::Cmp(CmpOp::Ne),
                word("c"),
                Tok::NotMatch,
                word("d"),
                Tok::End
            ]
        );
        assert_eq!(toks("started > 2026-11-01T10:00:00Z").expect("lexes")[2], word("2026-11-01T10:00:00Z"));
    }

    #[test]
    fn strings_keep_regex_backslashes() {
        assert_eq!(toks(r#""a\"b""#).expect("lexes")[0], Tok::Str("a\"b".into()));
        assert_eq!(toks(r#"'it\'s'"#).expect("lexes")[0], Tok::Str("it's".into()));
        assert_eq!(toks(r#""\d+\\""#).expect("lexes")[0], Tok::Str(r"\d+\".into()));
        assert_eq!(toks("'é ü'").expect("lexes")[0], Tok::Str("é ü".into()));
    }

    #[test]
    fn spans_are_byte_ranges() {
        let tokens = tokenize("né = 'x y'").expect("lexes");
        let spans: Vec<_> = tokens.iter().map(|t| t.span.clone()).collect();
        assert_eq!(spans, vec![0..3, 4..5, 6..11, 11..11]);
    }

    #[test]
    fn errors() {
        let cases = [
            ("name = \"abc", "unterminated string: no closing `\"`", 7..11),
            ("a && b", "`&&` is written `and`", 2..4),
            ("a || b", "`||` is written `or`", 2..4),
            ("!a", "`!` is written `not`", 0..1),
            ("a & b", "unexpected `&`", 2..3),
        ];
        for (text, message, span) in cases {
            let err = tokenize(text).expect_err(text);
            assert_eq!((err.message.as_str(), err.span), (message, span), "{text}");
        }
    }
}
