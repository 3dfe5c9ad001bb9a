//! Recursive-descent parser: tokens to a checked [`Pred`], reading each literal as the type of
//! the field it is compared with, so that mistakes surface before any run is read.
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | "(" expr ")" | cond
//! cond    := FIELD ( CMP value | "~" value | "!~" value | ["not"] "in" list | "contains" value | "exists" )
//! list    := "[" [value ("," value)* [","]] "]"
//! value   := WORD ["ago"] | STRING
//! ```

use std::ops::Range;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::Error;
use super::eval::{CmpOp, Pred};
use super::field::{Field, Kind};
use super::lexer::{Tok, Token, tokenize};
use super::value::Literal;
use crate::store::Status;

/// What an expression is evaluated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One run (`--where`).
    Filter,
    /// A pair of runs (`--fail-if`): numbers are changes from A to B, `%` literals are allowed.
    Gate,
}

/// How deeply `(` and `not` may nest. The parser, the evaluator and dropping a [`Pred`] all
/// recurse, so an expression from a script or a shared alias must not be able to exhaust the stack.
pub const MAX_DEPTH: usize = 64;

const KEYWORDS: &[&str] = &["and", "or", "not", "in", "contains", "exists", "ago"];
const OPERATORS: &str = "=, !=, <, <=, >, >=, ~, !~, in, not in, contains, exists";

pub struct Parser<'t> {
    tokens: Vec<Token>,
    pos: usize,
    mode: Mode,
    now: Timestamp,
    tz: &'t TimeZone,
    /// `(` and `not` currently open.
    depth: usize,
}

impl<'t> Parser<'t> {
    pub fn parse(text: &str, mode: Mode, now: Timestamp, tz: &'t TimeZone) -> Result<Pred, Error> {
        let tokens = tokenize(text)?;
        if tokens.len() == 1 {
            return Err(Error::new(0..text.len(), "the expression is empty")
                .with_hint("write a condition such as `params.lr < 0.01`"));
        }
        let mut parser = Parser { tokens, pos: 0, mode, now, tz, depth: 0 };
        let pred = parser.or()?;
        let next = parser.peek();
        match &next.tok {
            Tok::End => Ok(pred),
            Tok::RParen => Err(Error::new(next.span.clone(), "unexpected `)`: no `(` to close")),
            other => Err(Error::new(next.span.clone(), format!("expected `and` or `or`, found {}", other.describe()))),
        }
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        token
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self) -> Result<Pred, Error> {
        self.chain("or", Self::and, Pred::Or)
    }

    fn and(&mut self) -> Result<Pred, Error> {
        self.chain("and", Self::unary, Pred::And)
    }

    /// `operand (keyword operand)*`, one operand standing for itself.
    fn chain(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Result<Pred, Error>,
        join: fn(Vec<Pred>) -> Pred,
    ) -> Result<Pred, Error> {
        let mut items = vec![operand(self)?];
        while self.at_keyword(keyword) {
            self.next();
            items.push(operand(self)?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { join(items) })
    }

    fn unary(&mut self) -> Result<Pred, Error> {
        let nests = self.at_keyword("not") || self.peek().tok == Tok::LParen;
        if !nests {
            return self.condition();
        }
        if self.depth == MAX_DEPTH {
            return Err(Error::new(
                self.peek().span.clone(),
                format!("the expression nests deeper than {MAX_DEPTH} levels"),
            )
            .with_hint("use fewer parentheses or `not`s"));
        }
        self.depth += 1;
        let pred = self.nested();
        self.depth -= 1;
        pred
    }

    /// `"not" unary | "(" expr ")"`.
    fn nested(&mut self) -> Result<Pred, Error> {
        if self.at_keyword("not") {
            self.next();
            return Ok(Pred::Not(Box::new(self.unary()?)));
        }
        if self.peek().tok == Tok::LParen {
            let open = self.next();
            let inner = self.or()?;
            let close = self.next();
            return match close.tok {
                Tok::RParen => Ok(inner),
                Tok::End => Err(Error::new(open.span, "this `(` is never closed")),
                other => {
                    Err(Error::new(close.span, format!("expected `and`, `or` or `)`, found {}", other.describe())))
                }
            };
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Pred, Error> {
        let token = self.next();
        let (name, span) = match token.tok {
            Tok::Word(w) if !is_keyword(&w) => (w, token.span),
            other => {
                return Err(Error::new(token.span, format!("expected a field, found {}", other.describe()))
                    .with_hint("a condition starts with a field, as in `params.lr < 0.01`"));
            }
        };
        let field = Field::parse(&name, span.start)?;
        let op_token = self.next();
        let op = match &op_token.tok {
            Tok::Cmp(op) => *op,
            Tok::Match | Tok::NotMatch => {
                let negate = op_token.tok == Tok::NotMatch;
                let pred = self.regex(field, &name, op_token.tok.symbol())?;
                return Ok(if negate { Pred::Not(Box::new(pred)) } else { pred });
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("exists") => return Ok(Pred::Exists(field)),
            Tok::Word(w) if w.eq_ignore_ascii_case("contains") => {
                self.expect_kind(&field, &name, op_token.span, "contains", &[Kind::Text, Kind::List, Kind::Any])?;
                let (lit, _) = self.value("contains")?;
                return Ok(Pred::Contains { field, lit });
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("in") => return self.list(field, &name),
            Tok::Word(w) if w.eq_ignore_ascii_case("not") && self.at_keyword("in") => {
                self.next();
                return Ok(Pred::Not(Box::new(self.list(field, &name)?)));
            }
            other => {
                return Err(Error::new(
                    op_token.span,
                    format!("expected an operator after `{name}`, found {}", other.describe()),
                )
                .with_hint(format!("operators are {OPERATORS}")));
            }
        };
        let (lit, lit_span) = self.value(op.symbol())?;
        self.check(&field, &name, op, &lit, lit_span)?;
        Ok(Pred::Compare { field, op, lit })
    }

    /// Reads a value after `after` (an operator, for messages): a word, `<duration> ago`, or a string.
    fn value(&mut self, after: &str) -> Result<(Literal, Range<usize>), Error> {
        let token = self.next();
        match token.tok {
            Tok::Str(s) => Ok((Literal::quoted(s), token.span)),
            Tok::Word(w) if !is_keyword(&w) => {
                let mut lit = Literal::bare(&w, self.tz);
                let mut span = token.span;
                if self.at_keyword("ago") {
                    let ago = self.next();
                    if !lit.ago(self.now) {
                        return Err(Error::new(span.start..ago.span.end, format!("`{w} ago` is not a time"))
                            .with_hint("`ago` follows a duration, as in `7d ago`"));
                    }
                    span.end = ago.span.end;
                }
                Ok((lit, span))
            }
            Tok::Word(w) => Err(Error::new(token.span, format!("expected a value after `{after}`, found `{w}`"))
                .with_hint(format!("quote it to mean the word: \"{w}\""))),
            other => {
                Err(Error::new(token.span, format!("expected a value after `{after}`, found {}", other.describe())))
            }
        }
    }

    fn list(&mut self, field: Field, name: &str) -> Result<Pred, Error> {
        let open = self.next();
        if open.tok != Tok::LBracket {
            return Err(Error::new(open.span, format!("expected `[` after `in`, found {}", open.tok.describe()))
                .with_hint("a list is written `[a, b, c]`"));
        }
        let mut lits = Vec::new();
        loop {
            if self.peek().tok == Tok::RBracket {
                self.next();
                break;
            }
            if self.peek().tok == Tok::End {
                return Err(Error::new(open.span, "this `[` is never closed"));
            }
            let (lit, span) = self.value("[")?;
            let op = if field.kind() == Kind::List { None } else { Some(CmpOp::Eq) };
            if let Some(op) = op {
                self.check(&field, name, op, &lit, span)?;
            }
            lits.push(lit);
            let sep = self.next();
            match sep.tok {
                Tok::Comma => {}
                Tok::RBracket => break,
                Tok::End => return Err(Error::new(open.span, "this `[` is never closed")),
                other => {
                    return Err(Error::new(sep.span, format!("expected `,` or `]`, found {}", other.describe())));
                }
            }
        }
        Ok(Pred::In { field, lits })
    }

    fn regex(&mut self, field: Field, name: &str, op: &str) -> Result<Pred, Error> {
        let op_span = self.tokens[self.pos.saturating_sub(1)].span.clone();
        self.expect_kind(&field, name, op_span, op, &[Kind::Text, Kind::Status, Kind::List, Kind::Any])?;
        let (lit, span) = self.value(op)?;
        let regex = regex::Regex::new(&lit.text).map_err(|e| {
            Error::new(span, format!("invalid regular expression: {}", regex_summary(&e)))
                .with_hint("quote a regex that has spaces or brackets: name ~ \"^abl-(a|b)\"")
        })?;
        Ok(Pred::Matches { field, regex })
    }

    /// Rejects an operator the field's kind cannot take.
    fn expect_kind(
        &self,
        field: &Field,
        name: &str,
        span: Range<usize>,
        op: &str,
        kinds: &[Kind],
    ) -> Result<(), Error> {
        let kind = field.kind();
        if kinds.contains(&kind) {
            return Ok(());
        }
        Err(Error::new(span, format!("`{op}` needs a text or list field; `{name}` is {}", kind.noun())))
    }

    /// Checks that a literal can be compared with `op` to a field of its kind.
    fn check(&self, field: &Field, name: &str, op: CmpOp, lit: &Literal, span: Range<usize>) -> Result<(), Error> {
        let found = if lit.quoted { format!("\"{}\"", lit.text) } else { format!("`{}`", lit.text) };
        let kind = field.kind();
        let gate = self.mode == Mode::Gate;
        let mismatch = |expected: &str| {
            Err(Error::new(span.clone(), format!("`{name}` is {}: expected {expected}, found {found}", kind.noun())))
        };
        if lit.percent.is_some() && !gate && matches!(kind, Kind::Number | Kind::Duration) {
            return Err(Error::new(span, format!("{found} is a relative change, which only `--fail-if` compares"))
                .with_hint("filters compare values: write a number"));
        }
        let relative_ok = gate && lit.percent.is_some();
        match kind {
            Kind::Text | Kind::Any => Ok(()),
            Kind::Status if op.is_ordering() => {
                Err(Error::new(span, format!("`{name}` is a status, which has no order: use =, !=, in or ~")))
            }
            Kind::Status if lit.text.parse::<StatusName>().is_ok() => Ok(()),
            Kind::Status => Err(Error::new(span, format!("{found} is not a status"))
                .with_hint("statuses are running, completed, failed, interrupted and crashed")),
            Kind::Number if lit.number.is_some() || relative_ok => Ok(()),
            Kind::Number if gate => mismatch("a change such as `-0.01` or `+5%`"),
            Kind::Number => mismatch("a number"),
            Kind::Bool if op.is_ordering() => {
                Err(Error::new(span, format!("`{name}` is a boolean, which has no order: use = or !=")))
            }
            Kind::Bool if lit.boolean.is_some() => Ok(()),
            Kind::Bool => mismatch("true or false"),
            Kind::Duration if lit.duration.is_some() || lit.number.is_some() || relative_ok => Ok(()),
            Kind::Duration => mismatch("a duration such as `90s`, `10m` or `1h30m`"),
            Kind::Time if lit.time.is_some() => Ok(()),
            Kind::Time => mismatch("a date such as `2026-11-01`, a time such as `2026-11-01T10:00:00Z`, or `7d ago`"),
            Kind::List => Err(Error::new(span, format!("`{name}` is a list: compare its elements"))
                .with_hint(format!("use `{name} contains {}` or `{name} in [{}, …]`", lit.text, lit.text))),
        }
    }
}

fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// A status name, for checking literals compared with `status`.
struct StatusName;

impl std::str::FromStr for StatusName {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let all = [Status::Running, Status::Completed, Status::Failed, Status::Interrupted, Status::Crashed];
        if all.iter().any(|st| st.as_str() == s) { Ok(StatusName) } else { Err(()) }
    }
}

/// The regex crate's message is several lines with its own caret; keep the last line.
fn regex_summary(err: &regex::Error) -> String {
    let text = err.to_string();
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&text);
    last.trim().trim_start_matches("error: ").to_owned()
}
