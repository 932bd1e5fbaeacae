//! SCIM filters (RFC 7644 §3.4.2.2) and attribute paths (§3.5.2): a bounded parser ([`parse`]) and
//! their evaluation against a resource's JSON representation ([`eval`]).
//!
//! Bounds hold before any work: at most [`MAX_LEN`] bytes of input, [`MAX_DEPTH`] levels of nesting
//! and [`MAX_NODES`] nodes, so parsing and evaluation are linear in the input and no input can make
//! them slow or exhaust the stack.

mod eval;
mod parse;

pub use eval::{compare_values, matches, values_at};
pub use parse::{parse_filter, parse_path};

/// Longest filter or path accepted, in bytes.
pub const MAX_LEN: usize = 2048;
/// Deepest nesting of parentheses, `not` and value filters.
pub const MAX_DEPTH: usize = 16;
/// Most comparisons and logical operators in one filter.
pub const MAX_NODES: usize = 128;

/// An attribute path: `[schema:]attr[.sub]`, names compared case-insensitively.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrPath {
    /// The schema URN prefix, if one was written (lower case).
    pub schema: Option<String>,
    /// The attribute name (lower case).
    pub attr: String,
    /// The sub-attribute (lower case).
    pub sub: Option<String>,
}

impl AttrPath {
    /// The path as `attr` or `attr.sub`, without the schema.
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}.{sub}", self.attr),
            None => self.attr.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }
}

/// A literal compared against.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Present(AttrPath),
    Compare(AttrPath, CompareOp, Literal),
    /// `attr[filter]`: some element of the multi-valued `attr` matches `filter`.
    ValuePath(AttrPath, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

/// A PATCH path: an attribute, optionally narrowed by a value filter and then a sub-attribute
/// (`members[value eq "x"]`, `emails[type eq "work"].value`).
#[derive(Clone, Debug, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter.
    pub sub: Option<String>,
}

/// Why a filter or path was refused; the message is safe to show.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);
