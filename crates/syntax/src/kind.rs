//! The kinds of tokens and nodes, and the RON language as rowan sees it.

/// How deeply lists, maps and structs may nest. Graph files need a handful of levels; the
/// limit keeps hostile input from exhausting the stack (the tree makes deeper brackets one
/// `ERROR` node and tells the error).
pub const MAX_DEPTH: usize = 128;

use rowan::Language;

/// The kinds of tokens and nodes.
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
pub enum SyntaxKind {
    // Tokens.
    /// Spaces, tabs and line breaks.
    WHITESPACE = 0,
    LINE_COMMENT,
    BLOCK_COMMENT,
    /// `"…"`, escapes kept as written.
    STRING,
    /// `r"…"`, `r#"…"#`.
    RAW_STRING,
    CHAR,
    NUMBER,
    IDENT,
    L_PAREN,
    R_PAREN,
    L_BRACE,
    R_BRACE,
    L_BRACK,
    R_BRACK,
    COLON,
    COMMA,
    /// A whole `#![enable(...)]` attribute.
    ATTRIBUTE,
    /// A character that starts no token, or an unterminated string or comment.
    ERROR_TOKEN,
    // Nodes.
    /// The file.
    ROOT,
    /// `Name(field: v, …)` or `(field: v, …)`.
    STRUCT,
    /// `Name(a, b)`, `(a, b)`, `()`.
    TUPLE,
    /// `{k: v, …}`.
    MAP,
    /// `[a, b]`.
    LIST,
    /// `field: value` in a struct.
    FIELD,
    /// `key: value` in a map.
    ENTRY,
    /// One scalar: a string, number, char, or a bare identifier.
    ATOM,
    /// What could not be read.
    ERROR,
}

use SyntaxKind::*;

impl SyntaxKind {
    /// Whether it is whitespace or a comment.
    pub fn is_trivia(self) -> bool {
        matches!(self, WHITESPACE | LINE_COMMENT | BLOCK_COMMENT)
    }
}

impl From<SyntaxKind> for rowan::SyntaxKind {
    fn from(kind: SyntaxKind) -> Self {
        Self(kind as u16)
    }
}

/// The RON language, for rowan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ron {}

impl Language for Ron {
    type Kind = SyntaxKind;
    fn kind_from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        assert!(raw.0 <= ERROR as u16);
        // The kinds are a dense `u16` range, checked above.
        KINDS[raw.0 as usize]
    }
    fn kind_to_raw(kind: SyntaxKind) -> rowan::SyntaxKind {
        kind.into()
    }
}

const KINDS: [SyntaxKind; ERROR as usize + 1] = [
    WHITESPACE,
    LINE_COMMENT,
    BLOCK_COMMENT,
    STRING,
    RAW_STRING,
    CHAR,
    NUMBER,
    IDENT,
    L_PAREN,
    R_PAREN,
    L_BRACE,
    R_BRACE,
    L_BRACK,
    R_BRACK,
    COLON,
    COMMA,
    ATTRIBUTE,
    ERROR_TOKEN,
    ROOT,
    STRUCT,
    TUPLE,
    MAP,
    LIST,
    FIELD,
    ENTRY,
    ATOM,
    ERROR,
];

/// A node of the tree.
pub type SyntaxNode = rowan::SyntaxNode<Ron>;
/// A token of the tree.
pub type SyntaxToken = rowan::SyntaxToken<Ron>;
/// A node or a token.
pub type SyntaxElement = rowan::SyntaxElement<Ron>;
