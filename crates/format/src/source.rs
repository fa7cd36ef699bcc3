//! Source text and positions. A [`Span`] is a byte range into one [`SourceFile`]; the file
//! turns it into the `LINE:COL` that every diagnostic and runtime error shows. A graph with
//! imports is one `SourceFile` with parts: each imported file's spans start at its part's
//! base offset, past the end of the files before it, so a span alone says which file.

use std::fmt;
use std::sync::Arc;

/// A byte range in a source file. Kept as two `u32`s so that the position side tables stay
/// small; files over 4 GiB are refused before they are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A value together with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A 1-based line and column (columns count characters, as editors do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One source file: its name as the user gave it, its text, and where its lines start.
/// Cheap to clone; the runtime keeps one for positions in runtime errors.
#[derive(Clone)]
pub struct SourceFile {
    inner: Arc<SourceInner>,
}

struct SourceInner {
    name: String,
    text: String,
    line_starts: Vec<u32>,
    /// Imported files, by the offset their spans start at (ascending).
    parts: Vec<(u32, SourceFile)>,
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("name", &self.inner.name)
            .field("len", &self.inner.text.len())
            .finish()
    }
}

impl SourceFile {
    /// A source file named `name` (shown in diagnostics) with the given text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        );
        SourceFile {
            inner: Arc::new(SourceInner {
                name: name.into(),
                text,
                line_starts,
                parts: Vec::new(),
            }),
        }
    }

    /// This file with imported files as parts, each with the base offset its spans were
    /// shifted by ([`SourceFile::next_base`] gives the next free one).
    pub fn with_parts(&self, parts: Vec<(u32, SourceFile)>) -> SourceFile {
        SourceFile {
            inner: Arc::new(SourceInner {
                name: self.inner.name.clone(),
                text: self.inner.text.clone(),
                line_starts: self.inner.line_starts.clone(),
                parts,
            }),
        }
    }

    /// The imported files with their base offsets.
    pub fn parts(&self) -> &[(u32, SourceFile)] {
        &self.inner.parts
    }

    /// The first offset past this file and its parts: where a next part's spans may start.
    pub fn next_base(&self) -> u32 {
        let own = self.inner.text.len() as u32 + 1;
        self.inner
            .parts
            .last()
            .map_or(own, |(base, part)| base + part.inner.text.len() as u32 + 1)
    }

    /// The file a span lies in (this one or a part) and the span within that file.
    pub fn resolve(&self, span: Span) -> (&SourceFile, Span) {
        let parts = &self.inner.parts;
        match parts.partition_point(|(base, _)| *base <= span.start) {
            0 => (self, span),
            i => {
                let (base, part) = &parts[i - 1];
                let local = Span {
                    start: span.start - base,
                    end: span.end.saturating_sub(*base),
                };
                (part, local)
            }
        }
    }

    /// The name given to the file (usually its path).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let starts = &self.inner.line_starts;
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line] as usize;
        let end = (offset as usize).min(self.inner.text.len());
        let col = self
            .inner
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        LineCol {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }

    /// `FILE:LINE:COL` for the start of a span (in a part, that part's name and position).
    pub fn location(&self, span: Span) -> String {
        let (file, span) = self.resolve(span);
        format!("{}:{}", file.name(), file.line_col(span.start))
    }
}
