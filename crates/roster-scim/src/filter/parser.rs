//! The recursive-descent parser of filters and PATCH paths.
//!
//! The grammar, from RFC 7644 §3.4.2.2 and §3.5.2, with precedence made
//! explicit (`not` binds tighter than `and`, which binds tighter than `or`;
//! `and` and `or` associate to the left):
//!
//! ```text
//! filter  = and *(SP "or" SP and)
//! and     = unary *(SP "and" SP unary)
//! unary   = "not" *SP "(" filter ")" / "(" filter ")" / attrExp / valuePath
//! attrExp = attrPath SP "pr" / attrPath SP compareOp SP compValue
//! valuePath = attrPath "[" filter "]"      ; no valuePath inside
//! PATH    = attrPath / valuePath ["." ATTRNAME]
//! ```
//!
//! Keywords are recognised by position, as the ABNF implies: `not` is
//! negation only before `(`, and any word in an attribute position that is
//! followed by an operator is an attribute name, so `not pr` tests an
//! attribute called `not`. Recursion happens only at `(` and `[`, and
//! [`MAX_FILTER_DEPTH`] bounds it.

use super::lexer::{Kind, Lexer, Token};
use super::path::{check_name, split};
use super::{
    AttrPath, CompValue, CompareOp, Filter, FilterError, MAX_FILTER_CHARS, MAX_FILTER_DEPTH,
    MAX_FILTER_OPERATORS, PatchPath,
};

/// The operators listed in "expected an operator" messages.
const OPERATORS: &str = "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr";

/// The value kinds listed in "expected a value" messages.
const VALUES: &str = "a string in double quotes, a number, true, false or null";

pub(crate) fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser::new(input, "filter")?;
    if parser.peek()?.kind == Kind::End {
        return Err(FilterError::new(0, "the filter is empty"));
    }
    let filter = parser.or()?;
    let token = parser.bump()?;
    match token.kind {
        Kind::End => Ok(filter),
        Kind::RParen => Err(FilterError::new(token.start, "\")\" without a matching \"(\"")),
        Kind::RBracket => Err(FilterError::new(token.start, "\"]\" without a matching \"[\"")),
        _ => Err(parser.unexpected(&token, "\"and\", \"or\" or the end of the filter")),
    }
}

pub(crate) fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    let mut parser = Parser::new(input, "path")?;
    let (word, attr) = parser.attr_path()?;
    let token = parser.bump()?;
    match token.kind {
        Kind::End => return Ok(PatchPath::Attr(attr)),
        Kind::LBracket => {}
        _ => {
            return Err(parser.unexpected(
                &token,
                &format!("\"[\" or the end of the path after attribute \"{word}\""),
            ));
        }
    }
    let filter = parser.value_filter(&attr, &token)?;
    let mut token = parser.bump()?;
    let mut sub = None;
    if token.kind == Kind::Dot {
        if token.spaced {
            return Err(FilterError::new(token.start, "expected no white space before \".\""));
        }
        sub = Some(parser.sub_after_bracket()?);
        token = parser.bump()?;
    }
    if token.kind != Kind::End {
        let what = match sub {
            Some(_) => "the end of the path",
            None => "\".\" and a sub-attribute, or the end of the path, after \"]\"",
        };
        return Err(parser.unexpected(&token, what));
    }
    Ok(PatchPath::Value { attr, filter, sub })
}

pub(crate) fn parse_attr_path(input: &str) -> Result<AttrPath, FilterError> {
    let mut parser = Parser::new(input, "path")?;
    let (_, attr) = parser.attr_path()?;
    let token = parser.bump()?;
    if token.kind != Kind::End {
        return Err(parser.unexpected(&token, "the end of the attribute path"));
    }
    Ok(attr)
}

/// The parser's state over one input.
struct Parser {
    lexer: Lexer,
    /// The next token, once looked at.
    peeked: Option<Token>,
    /// The parentheses and brackets open at the current token.
    depth: usize,
    /// The `and` and `or` operators read so far.
    operators: usize,
    /// The multi-valued attribute whose value filter is being parsed, as
    /// written, since RFC 7644 allows no value filter inside another.
    value_path: Option<String>,
    /// What the input is called in messages: "filter" or "path".
    noun: &'static str,
}

impl Parser {
    /// A parser over `input`, refused if `input` is too long.
    fn new(input: &str, noun: &'static str) -> Result<Self, FilterError> {
        if input.chars().nth(MAX_FILTER_CHARS).is_some() {
            return Err(FilterError::new(
                MAX_FILTER_CHARS,
                format!(
                    "the {noun} is longer than {MAX_FILTER_CHARS} characters, the limit this \
                     server sets against abuse"
                ),
            ));
        }
        Ok(Self {
            lexer: Lexer::new(input),
            peeked: None,
            depth: 0,
            operators: 0,
            value_path: None,
            noun,
        })
    }

    /// The next token, left in place.
    fn peek(&mut self) -> Result<Token, FilterError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        self.peeked = Some(token.clone());
        Ok(token)
    }

    fn bump(&mut self) -> Result<Token, FilterError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    /// "expected `what`, found `token`", at the token.
    fn unexpected(&self, token: &Token, what: &str) -> FilterError {
        FilterError::new(
            token.start,
            format!("expected {what}, found {}", token.describe(self.noun)),
        )
    }

    /// Opens a group at `start`, refusing to nest deeper than the limit.
    fn enter(&mut self, start: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(FilterError::new(
                start,
                format!(
                    "the {} nests parentheses and brackets deeper than {MAX_FILTER_DEPTH} levels, \
                     the limit this server sets against abuse",
                    self.noun
                ),
            ));
        }
        Ok(())
    }

    /// Consumes the token closing the group opened by `open`, or reports
    /// what was found instead.
    fn close(&mut self, open: &Token) -> Result<(), FilterError> {
        let (closing, opening) = match open.kind {
            Kind::LBracket => (Kind::RBracket, "[]"),
            _ => (Kind::RParen, "()"),
        };
        let token = self.bump()?;
        if token.kind == closing {
            self.depth -= 1;
            return Ok(());
        }
        let (left, right) = opening.split_at(1);
        Err(self.unexpected(
            &token,
            &format!(
                "\"and\", \"or\" or \"{right}\" to close the \"{left}\" at character {}",
                open.start
            ),
        ))
    }

    /// `filter = and *(SP "or" SP and)`
    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while let Some(at) = self.keyword_at("or")? {
            self.count_operator(at)?;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `and = unary *(SP "and" SP unary)`
    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while let Some(at) = self.keyword_at("and")? {
            self.count_operator(at)?;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// Counts one more `and` or `or`, refusing one past
    /// [`MAX_FILTER_OPERATORS`]: a chain of n operators is a tree n levels
    /// deep, which every later stage walks recursively.
    fn count_operator(&mut self, at: usize) -> Result<(), FilterError> {
        self.operators += 1;
        if self.operators > MAX_FILTER_OPERATORS {
            return Err(FilterError::new(
                at,
                format!(
                    "the {} has more than {MAX_FILTER_OPERATORS} \"and\"/\"or\" operators, the \
                     limit this server sets against abuse; split it into several requests",
                    self.noun
                ),
            ));
        }
        Ok(())
    }

    /// [`Self::keyword`], with the position of the keyword it consumed.
    fn keyword_at(&mut self, keyword: &str) -> Result<Option<usize>, FilterError> {
        let at = self.peek()?.start;
        Ok(self.keyword(keyword)?.then_some(at))
    }

    /// Consumes the logical operator `keyword` if it comes next, requiring
    /// the white space the ABNF puts around it.
    fn keyword(&mut self, keyword: &str) -> Result<bool, FilterError> {
        let token = self.peek()?;
        if !token.is_keyword(keyword) {
            return Ok(false);
        }
        let word = token.describe(self.noun);
        if !token.spaced {
            return Err(FilterError::new(token.start, format!("expected a space before {word}")));
        }
        self.bump()?;
        let next = self.peek()?;
        if !next.spaced && next.kind != Kind::End {
            return Err(FilterError::new(next.start, format!("expected a space after {word}")));
        }
        Ok(true)
    }

    /// `unary = "not" *SP "(" filter ")" / "(" filter ")" / attrExp /
    /// valuePath`
    fn unary(&mut self) -> Result<Filter, FilterError> {
        let token = self.bump()?;
        match &token.kind {
            Kind::LParen => self.group(&token),
            Kind::Word(word) if word.eq_ignore_ascii_case("not") => {
                let next = self.peek()?;
                match &next.kind {
                    Kind::LParen => {
                        let open = self.bump()?;
                        Ok(Filter::Not(Box::new(self.group(&open)?)))
                    }
                    // RFC 7644's ABNF: an attribute may be called "not".
                    Kind::Word(op) if is_operator(op) => self.attr_expr(&token),
                    _ => Err(self.unexpected(&next, &format!("\"(\" after \"{word}\""))),
                }
            }
            Kind::Word(_) => self.attr_expr(&token),
            _ => Err(self.unexpected(&token, "an attribute path, \"not\" or \"(\"")),
        }
    }

    /// The inside of a group whose `(` was just consumed, and its `)`.
    fn group(&mut self, open: &Token) -> Result<Filter, FilterError> {
        self.enter(open.start)?;
        let next = self.peek()?;
        if next.kind == Kind::RParen {
            return Err(FilterError::new(
                next.start,
                "empty parentheses: expected a filter between \"(\" and \")\"",
            ));
        }
        let filter = self.or()?;
        self.close(open)?;
        Ok(filter)
    }

    /// An attribute expression or value filter whose first word is `first`.
    fn attr_expr(&mut self, first: &Token) -> Result<Filter, FilterError> {
        let Kind::Word(word) = &first.kind else {
            return Err(self.unexpected(first, "an attribute path"));
        };
        let path = split(word, first.start)?;
        if let (Some(outer), Some(_)) = (&self.value_path, &path.sub) {
            return Err(FilterError::new(
                first.start + path.name.len() + path.urn.as_ref().map_or(0, |u| u.len() + 1),
                format!(
                    "\"{word}\" inside \"{outer}[...]\" would be a sub-attribute of a \
                     sub-attribute; SCIM attributes have at most one level of sub-attributes"
                ),
            ));
        }
        let token = self.bump()?;
        match &token.kind {
            Kind::LBracket => {
                let filter = self.value_filter(&path, &token)?;
                let next = self.peek()?;
                if next.kind == Kind::Dot {
                    return Err(FilterError::new(
                        next.start,
                        "a sub-attribute after \"]\" is allowed only in PATCH paths, not in \
                         filters",
                    ));
                }
                Ok(Filter::ValuePath { attr: path, filter: Box::new(filter) })
            }
            Kind::Word(op) if op.eq_ignore_ascii_case("pr") => Ok(Filter::Present(path)),
            Kind::Word(op) => match CompareOp::from_word(op) {
                Some(compare) => {
                    let value = self.comp_value(op)?;
                    Ok(Filter::Compare { path, op: compare, value })
                }
                None => Err(self.no_operator(first, word, &token)),
            },
            _ => Err(self.no_operator(first, word, &token)),
        }
    }

    /// Why `found` cannot follow the attribute path `word` (`first`).
    fn no_operator(&self, first: &Token, word: &str, found: &Token) -> FilterError {
        if ["and", "or"].iter().any(|k| first.is_keyword(k)) {
            return self.unexpected(first, "an attribute path, \"not\" or \"(\"");
        }
        self.unexpected(found, &format!("{OPERATORS} after attribute \"{word}\""))
    }

    /// The `compValue` after the operator `op`, as written.
    fn comp_value(&mut self, op: &str) -> Result<CompValue, FilterError> {
        let token = self.bump()?;
        if !token.spaced && token.kind != Kind::End {
            return Err(FilterError::new(
                token.start,
                format!("expected a space between \"{op}\" and the value"),
            ));
        }
        match token.kind {
            Kind::Str(s) => Ok(CompValue::String(s)),
            Kind::Num(n) => Ok(CompValue::Number(n)),
            Kind::Word(w) if w.eq_ignore_ascii_case("true") => Ok(CompValue::Bool(true)),
            Kind::Word(w) if w.eq_ignore_ascii_case("false") => Ok(CompValue::Bool(false)),
            Kind::Word(w) if w.eq_ignore_ascii_case("null") => Ok(CompValue::Null),
            Kind::Word(_) => {
                let found = token.describe(self.noun);
                Err(FilterError::new(
                    token.start,
                    format!(
                        "expected a value after \"{op}\" ({VALUES}), found the unquoted word \
                         {found}; SCIM strings must be in double quotes"
                    ),
                ))
            }
            Kind::Dot => Err(self.unexpected(
                &token,
                &format!("a value after \"{op}\" ({VALUES}; a number starts with a digit)"),
            )),
            _ => Err(self.unexpected(&token, &format!("a value after \"{op}\" ({VALUES})"))),
        }
    }

    /// The filter of `attr[...]` whose `[` (`open`) was just consumed, and
    /// its `]`.
    fn value_filter(&mut self, attr: &AttrPath, open: &Token) -> Result<Filter, FilterError> {
        if let Some(outer) = &self.value_path {
            return Err(FilterError::new(
                open.start,
                format!(
                    "a value filter cannot contain another: \"{attr}[\" is inside \"{outer}[\" \
                     (RFC 7644 §3.4.2.2)"
                ),
            ));
        }
        if attr.sub.is_some() {
            return Err(FilterError::new(
                open.start,
                format!(
                    "a value filter \"[...]\" applies to a multi-valued attribute, not to the \
                     sub-attribute \"{attr}\""
                ),
            ));
        }
        self.enter(open.start)?;
        let next = self.peek()?;
        if next.kind == Kind::RBracket {
            return Err(FilterError::new(
                next.start,
                format!("empty value filter: expected a filter inside \"{attr}[...]\""),
            ));
        }
        self.value_path = Some(attr.to_string());
        let filter = self.or()?;
        self.close(open)?;
        self.value_path = None;
        Ok(filter)
    }

    /// The first token as an attribute path: (the word, its path).
    fn attr_path(&mut self) -> Result<(String, AttrPath), FilterError> {
        let token = self.bump()?;
        match token.kind {
            Kind::Word(word) => {
                let path = split(&word, token.start)?;
                Ok((word, path))
            }
            Kind::End => Err(FilterError::new(0, format!("the {} is empty", self.noun))),
            _ => Err(self.unexpected(&token, "an attribute path")),
        }
    }

    /// The sub-attribute name right after the `.` that follows `]` in a
    /// PATCH path.
    fn sub_after_bracket(&mut self) -> Result<String, FilterError> {
        let token = self.bump()?;
        match token.kind {
            Kind::Word(_) if token.spaced => {
                Err(FilterError::new(token.start, "expected no white space after \".\""))
            }
            Kind::Word(name) => {
                if let Some(i) = name.find(['.', ':']) {
                    return Err(FilterError::new(
                        token.start + i,
                        format!("only one sub-attribute name may follow \"].\", found \"{name}\""),
                    ));
                }
                check_name(&name, token.start, "sub-attribute")?;
                Ok(name)
            }
            _ => Err(self.unexpected(&token, "a sub-attribute name right after \".\"")),
        }
    }
}

fn is_operator(word: &str) -> bool {
    word.eq_ignore_ascii_case("pr") || CompareOp::from_word(word).is_some()
}
