//! The filter and path grammar of RFC 7644 §3.4.2.2 and §3.5.2, as a tokenizer and a recursive-descent
//! parser whose recursion is bounded by [`MAX_DEPTH`] and whose size is bounded by [`MAX_NODES`].

use super::{
    AttrPath, CompareOp, Filter, FilterError, Literal, MAX_DEPTH, MAX_LEN, MAX_NODES, PatchPath,
};

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Str(String),
}

fn error(message: impl Into<String>) -> FilterError {
    FilterError(message.into())
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.' | '$' | '+')
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    if input.len() > MAX_LEN {
        return Err(error(format!("longer than {MAX_LEN} bytes")));
    }
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                chars.next();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => {
                            end = Some(i);
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                let end = end.ok_or_else(|| error("a string is not closed"))?;
                let text: String = serde_json::from_str(&input[start..=end])
                    .map_err(|_| error("a string has an invalid escape"))?;
                tokens.push(Token::Str(text));
            }
            c if is_word_char(c) => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if !is_word_char(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                tokens.push(Token::Word(input[start..end].to_string()));
            }
            _ => return Err(error(format!("unexpected character {c:?}"))),
        }
        if tokens.len() > MAX_NODES * 4 {
            return Err(error("too many terms"));
        }
    }
    Ok(tokens)
}

/// Parses `[schema:]attr[.sub]`.
fn attr_path(word: &str) -> Result<AttrPath, FilterError> {
    let lower = word.to_ascii_lowercase();
    let (schema, rest) = match lower.rfind(':') {
        Some(i) if lower.starts_with("urn:") => (Some(lower[..i].to_string()), &lower[i + 1..]),
        Some(_) => return Err(error(format!("invalid attribute path `{word}`"))),
        None => (None, lower.as_str()),
    };
    let mut parts = rest.split('.');
    let attr = parts.next().unwrap_or_default().to_string();
    let sub = parts.next().map(str::to_string);
    let valid = |name: &str| {
        name.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$'))
    };
    if parts.next().is_some() || !valid(&attr) || sub.as_deref().is_some_and(|s| !valid(s)) {
        return Err(error(format!("invalid attribute path `{word}`")));
    }
    Ok(AttrPath { schema, attr, sub })
}

fn literal(token: Option<Token>) -> Result<Literal, FilterError> {
    match token {
        Some(Token::Str(s)) => Ok(Literal::Str(s)),
        Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
            "true" => Ok(Literal::Bool(true)),
            "false" => Ok(Literal::Bool(false)),
            "null" => Ok(Literal::Null),
            _ => w
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Literal::Num)
                .ok_or_else(|| error(format!("`{w}` is not a value: quote strings"))),
        },
        _ => Err(error("a comparison needs a value")),
    }
}

struct Parser {
    tokens: std::vec::IntoIter<Token>,
    peeked: Option<Token>,
    nodes: usize,
}

impl Parser {
    fn new(tokens: Vec<Token>) -> Self {
        Self {
            tokens: tokens.into_iter(),
            peeked: None,
            nodes: 0,
        }
    }

    fn peek(&mut self) -> Option<&Token> {
        if self.peeked.is_none() {
            self.peeked = self.tokens.next();
        }
        self.peeked.as_ref()
    }

    fn next(&mut self) -> Option<Token> {
        self.peeked.take().or_else(|| self.tokens.next())
    }

    fn peek_keyword(&mut self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn node(&mut self) -> Result<(), FilterError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(error(format!("more than {MAX_NODES} terms")));
        }
        Ok(())
    }

    fn expect(&mut self, wanted: Token, what: &str) -> Result<(), FilterError> {
        if self.next() == Some(wanted) {
            Ok(())
        } else {
            Err(error(format!("expected {what}")))
        }
    }

    fn or(&mut self, depth: usize, in_value: bool) -> Result<Filter, FilterError> {
        let mut left = self.and(depth, in_value)?;
        while self.peek_keyword("or") {
            self.next();
            self.node()?;
            let right = self.and(depth, in_value)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize, in_value: bool) -> Result<Filter, FilterError> {
        let mut left = self.unary(depth, in_value)?;
        while self.peek_keyword("and") {
            self.next();
            self.node()?;
            let right = self.unary(depth, in_value)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize, in_value: bool) -> Result<Filter, FilterError> {
        if depth >= MAX_DEPTH {
            return Err(error(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.node()?;
        if self.peek_keyword("not") {
            self.next();
            self.expect(Token::Open, "`(` after not")?;
            let inner = self.or(depth + 1, in_value)?;
            self.expect(Token::Close, "`)`")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or(depth + 1, in_value)?;
                self.expect(Token::Close, "`)`")?;
                Ok(inner)
            }
            Some(Token::Word(word)) => self.attr_expression(&word, depth, in_value),
            _ => Err(error("expected an attribute, `(` or not")),
        }
    }

    fn attr_expression(
        &mut self,
        word: &str,
        depth: usize,
        in_value: bool,
    ) -> Result<Filter, FilterError> {
        let path = attr_path(word)?;
        match self.next() {
            Some(Token::OpenBracket) if !in_value => {
                let inner = self.or(depth + 1, true)?;
                self.expect(Token::CloseBracket, "`]`")?;
                Ok(Filter::ValuePath(path, Box::new(inner)))
            }
            Some(Token::Word(op)) if op.eq_ignore_ascii_case("pr") => Ok(Filter::Present(path)),
            Some(Token::Word(op)) => {
                let op = CompareOp::parse(&op)
                    .ok_or_else(|| error(format!("unknown operator `{op}`")))?;
                let value = literal(self.next())?;
                Ok(Filter::Compare(path, op, value))
            }
            _ => Err(error(format!("expected an operator after `{word}`"))),
        }
    }
}

/// Parses a `filter` query parameter.
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser::new(tokenize(input)?);
    if parser.peek().is_none() {
        return Err(error("the filter is empty"));
    }
    let filter = parser.or(0, false)?;
    match parser.next() {
        None => Ok(filter),
        Some(_) => Err(error("unexpected text after the filter")),
    }
}

/// Parses a PATCH operation's `path`.
pub fn parse_path(input: &str) -> Result<PatchPath, FilterError> {
    let mut parser = Parser::new(tokenize(input)?);
    let Some(Token::Word(word)) = parser.next() else {
        return Err(error("a path starts with an attribute name"));
    };
    let attr = attr_path(&word)?;
    let mut path = PatchPath {
        attr,
        filter: None,
        sub: None,
    };
    if parser.peek() == Some(&Token::OpenBracket) {
        if path.attr.sub.is_some() {
            return Err(error(
                "a value filter follows the attribute, not a sub-attribute",
            ));
        }
        parser.next();
        path.filter = Some(parser.or(1, true)?);
        parser.expect(Token::CloseBracket, "`]`")?;
        if let Some(Token::Word(sub)) = parser.peek().cloned() {
            parser.next();
            let name = sub
                .strip_prefix('.')
                .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
                .ok_or_else(|| error("expected `.subAttribute` after `]`"))?;
            path.sub = Some(name.to_ascii_lowercase());
        }
    }
    match parser.next() {
        None => Ok(path),
        Some(_) => Err(error("unexpected text after the path")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(attr: &str, op: CompareOp, value: &str) -> Filter {
        Filter::Compare(attr_path(attr).unwrap(), op, Literal::Str(value.into()))
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let parsed = parse_filter(r#"a eq "1" or b eq "2" and c eq "3""#).unwrap();
        let expected = Filter::Or(
            Box::new(compare("a", CompareOp::Eq, "1")),
            Box::new(Filter::And(
                Box::new(compare("b", CompareOp::Eq, "2")),
                Box::new(compare("c", CompareOp::Eq, "3")),
            )),
        );
        assert_eq!(parsed, expected);
    }

    #[test]
    fn operators_and_names_ignore_case_and_urns_are_split() {
        let parsed = parse_filter(
            r#"URN:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber EQ "7""#,
        )
        .unwrap();
        let Filter::Compare(path, CompareOp::Eq, _) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(
            path.schema.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user")
        );
        assert_eq!(path.attr, "employeenumber");
    }

    #[test]
    fn value_paths_not_and_literals_parse() {
        let parsed =
            parse_filter(r#"emails[type eq "work" and value co "@x"] and not (active eq false)"#)
                .unwrap();
        assert!(matches!(parsed, Filter::And(..)));
        assert!(parse_filter("meta.lastModified gt \"2026-01-01T00:00:00Z\"").is_ok());
        assert!(parse_filter("title pr").is_ok());
    }

    #[test]
    fn pathological_filters_are_refused_quickly() {
        let deep = format!("{}a pr{}", "(".repeat(1000), ")".repeat(1000));
        assert!(parse_filter(&deep).is_err());
        let long = vec!["a pr"; 200].join(" or ");
        assert!(parse_filter(&long).is_err());
        let nots = format!("{}a pr{}", "not (".repeat(40), ")".repeat(40));
        assert!(parse_filter(&nots).is_err());
        for bad in [
            "",
            "a",
            "a eq",
            "a zz \"1\"",
            "a eq \"x",
            "a eq bare",
            "(a pr",
            "a pr)",
            "a[b[c pr]]",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn patch_paths_parse() {
        let path = parse_path(r#"members[value eq "abc"]"#).unwrap();
        assert_eq!(path.attr.attr, "members");
        assert!(path.filter.is_some());
        let path = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(path.sub.as_deref(), Some("value"));
        let path = parse_path("name.givenName").unwrap();
        assert_eq!(path.attr.sub.as_deref(), Some("givenname"));
        assert!(parse_path("a b").is_err());
    }
}
