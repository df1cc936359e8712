//! The filter lexer: characters to tokens, one token at a time.
//!
//! Invariants:
//!
//! - Positions are 0-based character offsets into the input, the unit
//!   [`FilterError::position`] reports.
//! - Every token records whether white space came before it, because the
//!   ABNF requires `SP` between some tokens and only the parser knows which.
//! - The lexer is lazy: the parser pulls tokens, so the first problem in
//!   reading order is the one reported (`userName eq bjensen@example.com`
//!   is reported as an unquoted value, not as a stray `@`).
//! - Strings and numbers are decoded with JSON's rules (RFC 8259 §6, §7),
//!   which RFC 7644 §3.4.2.2 refers to for `compValue`.

use serde_json::Number;

use super::FilterError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A run of name characters: an attribute path or a keyword, undecided.
    Word(String),
    /// A JSON string, decoded.
    Str(String),
    /// A JSON number.
    Num(Number),
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A `.` that does not continue a word, as in `emails[...].value`.
    Dot,
    End,
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: Kind,
    /// The offset of its first character.
    pub start: usize,
    /// Whether white space came before it.
    pub spaced: bool,
}

impl Token {
    /// Whether this is the word `keyword`, in any letter case.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    /// The token as a person would refer to it in an error message.
    pub fn describe(&self, end: &str) -> String {
        match &self.kind {
            Kind::Word(w) => format!("\"{}\"", shorten(w)),
            Kind::Str(s) => format!("the string {}", shorten(&super::display::json_string(s))),
            Kind::Num(n) => format!("the number {n}"),
            Kind::LParen => "\"(\"".to_string(),
            Kind::RParen => "\")\"".to_string(),
            Kind::LBracket => "\"[\"".to_string(),
            Kind::RBracket => "\"]\"".to_string(),
            Kind::Dot => "\".\"".to_string(),
            Kind::End => format!("the end of the {end}"),
        }
    }
}

/// At most 40 characters of `s`, so that messages stay readable.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        return s.to_string();
    }
    let mut short: String = s.chars().take(MAX).collect();
    short.push_str("...");
    short
}

/// White space between tokens. RFC 7644 writes `SP`; tabs and line breaks
/// are tolerated too, since they can only separate tokens.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The first character of a word: RFC 7643 ATTRNAME starts with ALPHA, a
/// URN with `u`, and `$ref` with `$`.
fn starts_word(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '$'
}

/// The characters of attribute names (ALPHA, DIGIT, `-`, `_`), of `$ref`,
/// and the separators of a path (`.`, and `:` of a URN).
fn continues_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '$')
}

/// The characters read as one number token before checking JSON's grammar,
/// so that `12abc` is reported whole rather than as `12` and `abc`.
fn continues_number(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_')
}

/// A lexer over one input.
pub(crate) struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    pub fn new(input: &str) -> Self {
        Self { chars: input.chars().collect(), pos: 0 }
    }

    fn peek_char(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// The characters from `start` up to the current position.
    fn text_from(&self, start: usize) -> String {
        self.chars.get(start..self.pos).unwrap_or_default().iter().collect()
    }

    /// Advances over characters while `keep` holds.
    fn skip_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek_char().is_some_and(&keep) {
            self.pos += 1;
        }
    }

    /// The next token; [`Kind::End`] forever once the input is used up.
    pub fn next_token(&mut self) -> Result<Token, FilterError> {
        let before = self.pos;
        self.skip_while(is_space);
        let spaced = self.pos > before;
        let start = self.pos;
        let token = |kind| Ok(Token { kind, start, spaced });
        let Some(c) = self.peek_char() else {
            return token(Kind::End);
        };
        let single = match c {
            '(' => Some(Kind::LParen),
            ')' => Some(Kind::RParen),
            '[' => Some(Kind::LBracket),
            ']' => Some(Kind::RBracket),
            '.' => Some(Kind::Dot),
            _ => None,
        };
        if let Some(kind) = single {
            self.pos += 1;
            return token(kind);
        }
        if starts_word(c) {
            self.skip_while(continues_word);
            return token(Kind::Word(self.text_from(start)));
        }
        if c.is_ascii_digit() || c == '-' || c == '+' {
            self.skip_while(continues_number);
            return token(Kind::Num(parse_number(&self.text_from(start), start)?));
        }
        if c == '"' {
            return token(Kind::Str(self.string()?));
        }
        Err(FilterError::new(start, unexpected_character(c)))
    }

    /// Reads a JSON string whose opening quote is at the current position.
    fn string(&mut self) -> Result<String, FilterError> {
        let open = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let at = self.pos;
            let Some(c) = self.peek_char() else {
                return Err(FilterError::new(open, "unterminated string: no closing double quote"));
            };
            self.pos += 1;
            match c {
                '"' => return Ok(value),
                '\\' => match self.escape(at)? {
                    // Legal JSON, but no database column can hold it
                    // (PostgreSQL refuses it in text), so no stored value
                    // can equal it: refused the same way on every backend.
                    '\0' => {
                        return Err(FilterError::new(
                            at,
                            "the NUL character (\\u0000) cannot appear in a string value: \
                             no stored value contains it",
                        ));
                    }
                    c => value.push(c),
                },
                // RFC 8259 §7: control characters must be escaped.
                c if u32::from(c) < 0x20 => {
                    return Err(FilterError::new(
                        at,
                        format!(
                            "control character U+{:04X} in a string; write it as an escape \
                             such as \\n or \\u{:04x}",
                            u32::from(c),
                            u32::from(c)
                        ),
                    ));
                }
                c => value.push(c),
            }
        }
    }

    /// Decodes the escape whose backslash is at `at`; the position is just
    /// after the backslash.
    fn escape(&mut self, at: usize) -> Result<char, FilterError> {
        let Some(c) = self.peek_char() else {
            return Err(FilterError::new(at, "unterminated string: it ends in a backslash"));
        };
        self.pos += 1;
        let simple = match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => return self.unicode_escape(at),
            other => {
                return Err(FilterError::new(
                    at,
                    format!(
                        "invalid escape \"\\{other}\" in a string; JSON allows \\\" \\\\ \\/ \\b \
                         \\f \\n \\r \\t and \\uXXXX"
                    ),
                ));
            }
        };
        Ok(simple)
    }

    /// Four hex digits after `\u`, whose backslash is at `at`.
    fn hex4(&mut self, at: usize) -> Result<u32, FilterError> {
        let digits: String = self.chars.iter().skip(self.pos).take(4).collect();
        let code = (digits.len() == 4 && digits.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(&digits, 16).ok())
            .flatten();
        let Some(code) = code else {
            return Err(FilterError::new(
                at,
                "invalid unicode escape: \\u must be followed by four hex digits",
            ));
        };
        self.pos += 4;
        Ok(code)
    }

    /// A `\uXXXX` escape, or a UTF-16 surrogate pair of two (RFC 8259 §7).
    fn unicode_escape(&mut self, at: usize) -> Result<char, FilterError> {
        let high = self.hex4(at)?;
        let code = if (0xD800..0xDC00).contains(&high) {
            let low_at = self.pos;
            let pair = self.chars.get(low_at..low_at + 2) == Some(&['\\', 'u']);
            if !pair {
                return Err(lone_surrogate(at, high));
            }
            self.pos += 2;
            let low = self.hex4(low_at)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(lone_surrogate(at, high));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| lone_surrogate(at, code))
    }
}

fn lone_surrogate(at: usize, code: u32) -> FilterError {
    FilterError::new(
        at,
        format!(
            "invalid unicode escape: \\u{code:04x} is half of a surrogate pair without its other half"
        ),
    )
}

/// Checks `text` against RFC 8259 §6 (`-? int [frac] [exp]`, no leading
/// zeros, no `+` sign) and converts it.
fn parse_number(text: &str, start: usize) -> Result<Number, FilterError> {
    // A word that starts with a digit, like an unquoted id, is not a number.
    let hint = if text.chars().any(|c| c.is_ascii_alphabetic() && !matches!(c, 'e' | 'E')) {
        "; strings must be in double quotes"
    } else {
        ""
    };
    let invalid = |why: &str| {
        FilterError::new(start, format!("invalid number \"{}\": {why}{hint}", shorten(text)))
    };
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let from = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let grammar = "a JSON number is -?digits[.digits][e[+-]digits] without leading zeros";
    let int_start = i;
    if digits(&mut i) == 0 {
        return Err(invalid(grammar));
    }
    if bytes.get(int_start) == Some(&b'0') && i - int_start > 1 {
        return Err(invalid(grammar));
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return Err(invalid(grammar));
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err(invalid(grammar));
        }
    }
    if i != bytes.len() {
        return Err(invalid(grammar));
    }
    text.parse::<Number>().map_err(|_| invalid("it is out of range"))
}

/// Why `c` cannot start a token, with a hint for the usual mistakes.
fn unexpected_character(c: char) -> String {
    let shown = if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("\"{c}\"")
    };
    let hint = match c {
        '\'' => "; strings must be in double quotes",
        '=' | '<' | '>' => "; comparison operators are words: eq, ne, co, sw, ew, gt, ge, lt, le",
        '!' => "; write ne for \"not equal\" and not (...) for negation",
        '&' | '|' => "; logical operators are the words \"and\" and \"or\"",
        '{' | '}' => "; value filters use square brackets, as in emails[type eq \"work\"]",
        _ => "",
    };
    format!("unexpected character {shown}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every token of `input` as (kind, start, spaced), or the first error.
    fn lex(input: &str) -> Result<Vec<(Kind, usize, bool)>, FilterError> {
        let mut lexer = Lexer::new(input);
        let mut tokens = Vec::new();
        loop {
            let token = lexer.next_token()?;
            if token.kind == Kind::End {
                return Ok(tokens);
            }
            tokens.push((token.kind, token.start, token.spaced));
        }
    }

    fn word(w: &str) -> Kind {
        Kind::Word(w.to_string())
    }

    fn string(s: &str) -> Kind {
        Kind::Str(s.to_string())
    }

    fn number(n: &str) -> Kind {
        Kind::Num(n.parse().unwrap())
    }

    fn error(input: &str) -> String {
        lex(input).unwrap_err().to_string()
    }

    #[test]
    fn words_take_path_characters_and_stop_at_punctuation() {
        let tokens = lex("urn:a:2.0:User:name.givenName[$ref]").unwrap();
        assert_eq!(
            tokens,
            [
                (word("urn:a:2.0:User:name.givenName"), 0, false),
                (Kind::LBracket, 29, false),
                (word("$ref"), 30, false),
                (Kind::RBracket, 34, false),
            ]
        );
        assert_eq!(lex("a-b_c9").unwrap(), [(word("a-b_c9"), 0, false)]);
    }

    #[test]
    fn white_space_is_recorded_and_may_be_long() {
        let tokens = lex("  a \t\r\n eq(\"x\")").unwrap();
        assert_eq!(
            tokens,
            [
                (word("a"), 2, true),
                (word("eq"), 8, true),
                (Kind::LParen, 10, false),
                (string("x"), 11, false),
                (Kind::RParen, 14, false),
            ]
        );
        assert_eq!(lex(" \t ").unwrap(), []);
    }

    #[test]
    fn end_repeats_after_the_input() {
        let mut lexer = Lexer::new("a ");
        assert_eq!(lexer.next_token().unwrap().kind, word("a"));
        let end = lexer.next_token().unwrap();
        assert_eq!((end.kind, end.start, end.spaced), (Kind::End, 2, true));
        assert_eq!(lexer.next_token().unwrap().kind, Kind::End);
    }

    #[test]
    fn a_dot_after_a_bracket_is_its_own_token() {
        let tokens = lex("].value").unwrap();
        assert_eq!(
            tokens,
            [(Kind::RBracket, 0, false), (Kind::Dot, 1, false), (word("value"), 2, false)]
        );
    }

    #[test]
    fn strings_decode_every_json_escape() {
        let input = r#""\" \\ \/ \b \f \n \r \t \u00e9 \u00C9 \ud83d\ude00 é""#;
        let expected = "\" \\ / \u{8} \u{c} \n \r \t é É 😀 é";
        assert_eq!(lex(input).unwrap(), [(string(expected), 0, false)]);
        assert_eq!(lex(r#""""#).unwrap(), [(string(""), 0, false)]);
        assert_eq!(lex(r#""O'Malley""#).unwrap(), [(string("O'Malley"), 0, false)]);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let tokens = lex("\"ééé\" x").unwrap();
        assert_eq!(tokens[1], (word("x"), 6, true));
        assert_eq!(error("\"é\" @"), "at character 4: unexpected character \"@\"");
    }

    #[test]
    fn bad_strings_are_reported_where_they_go_wrong() {
        assert_eq!(
            error(r#"a "abc"#),
            "at character 2: unterminated string: no closing double quote"
        );
        assert_eq!(error(r#""ab\"#), "at character 3: unterminated string: it ends in a backslash");
        assert_eq!(
            error(r#""a\x""#),
            "at character 2: invalid escape \"\\x\" in a string; JSON allows \\\" \\\\ \\/ \\b \\f \
             \\n \\r \\t and \\uXXXX"
        );
        assert_eq!(
            error(r#""\u12g4""#),
            "at character 1: invalid unicode escape: \\u must be followed by four hex digits"
        );
        assert_eq!(
            error(r#""\u12""#),
            "at character 1: invalid unicode escape: \\u must be followed by four hex digits"
        );
        assert_eq!(
            error(r#""\ud83d""#),
            "at character 1: invalid unicode escape: \\ud83d is half of a surrogate pair without \
             its other half"
        );
        assert_eq!(
            error(r#""\ud83d\u0041""#),
            "at character 1: invalid unicode escape: \\ud83d is half of a surrogate pair without \
             its other half"
        );
        assert_eq!(
            error(r#""\ude00""#),
            "at character 1: invalid unicode escape: \\ude00 is half of a surrogate pair without \
             its other half"
        );
        assert_eq!(
            error("\"a\tb\""),
            "at character 2: control character U+0009 in a string; write it as an escape such \
             as \\n or \\u0009"
        );
    }

    #[test]
    fn numbers_follow_json() {
        for n in ["0", "-0", "7", "-12", "3.25", "-0.5", "1e3", "1E+3", "2.5e-3", "10"] {
            assert_eq!(lex(n).unwrap(), [(number(n), 0, false)], "{n}");
        }
        assert_eq!(lex("12)").unwrap(), [(number("12"), 0, false), (Kind::RParen, 2, false)]);
        let grammar = "a JSON number is -?digits[.digits][e[+-]digits] without leading zeros";
        for bad in ["01", "-", "+1", "1.", "1e", "1e+", "1E-", "1.2.3", "1_0", "1-2", "1e2.5"] {
            let expected = format!("at character 0: invalid number \"{bad}\": {grammar}");
            assert_eq!(error(bad), expected);
        }
        for bad in ["12abc", "-a", "0x10", "5b1e7ce2"] {
            let hint = "; strings must be in double quotes";
            let expected = format!("at character 0: invalid number \"{bad}\": {grammar}{hint}");
            assert_eq!(error(bad), expected);
        }
        assert_eq!(error("1e999"), "at character 0: invalid number \"1e999\": it is out of range");
    }

    #[test]
    fn unexpected_characters_get_hints() {
        assert_eq!(
            error("a = 1"),
            "at character 2: unexpected character \"=\"; comparison operators are words: eq, ne, co, sw, ew, gt, ge, lt, le"
        );
        assert_eq!(
            error("'x'"),
            "at character 0: unexpected character \"'\"; strings must be in double quotes"
        );
        assert_eq!(
            error("! (a pr)"),
            "at character 0: unexpected character \"!\"; write ne for \"not equal\" and not (...) for negation"
        );
        assert_eq!(
            error("a && b"),
            "at character 2: unexpected character \"&\"; logical operators are the words \"and\" and \"or\""
        );
        assert_eq!(error("\u{a0}a"), "at character 0: unexpected character U+00A0");
        assert_eq!(error("_a"), "at character 0: unexpected character \"_\"");
        assert_eq!(error("é"), "at character 0: unexpected character \"é\"");
    }

    #[test]
    fn long_words_are_shortened_in_messages() {
        let token = Token { kind: word(&"a".repeat(50)), start: 0, spaced: false };
        assert_eq!(token.describe("filter"), format!("\"{}...\"", "a".repeat(40)));
        let end = Token { kind: Kind::End, start: 0, spaced: false };
        assert_eq!(end.describe("path"), "the end of the path");
    }
}
