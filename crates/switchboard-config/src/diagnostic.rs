//! Positions in project files and the errors reported against them.
//!
//! Every problem with a project is reported as `file:line:col: message`, all at once, so a
//! user fixes a file in one pass instead of one error per run.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A position in a project file (lines and columns count from 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file, as the user named it (or as found through `include:`).
    pub file: Arc<Path>,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

impl Span {
    /// A position in a file.
    pub fn new(file: Arc<Path>, line: u32, col: u32) -> Span {
        Span { file, line, col }
    }

    /// The start of a file, for problems that concern the file as a whole.
    pub fn file_start(file: impl Into<PathBuf>) -> Span {
        Span {
            file: Arc::from(file.into()),
            line: 1,
            col: 1,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The project cannot run.
    Error,
    /// The project runs, but probably not as meant.
    Warning,
}

/// One problem found in a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where.
    pub span: Span,
    /// A plain sentence, with a hint where one helps.
    pub message: String,
}

impl Diagnostic {
    /// An error at a position.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            span,
            message: message.into(),
        }
    }

    /// A warning at a position.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            span,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.severity {
            Severity::Error => write!(f, "{}: {}", self.span, self.message),
            Severity::Warning => write!(f, "{}: warning: {}", self.span, self.message),
        }
    }
}

/// Every problem found while loading a project, errors and warnings, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Whether any error (not just warnings) was found.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    /// Sorts by file, line and column, keeping the order of problems at the same place.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (a.span.file.as_ref(), a.span.line, a.span.col).cmp(&(
                b.span.file.as_ref(),
                b.span.line,
                b.span.col,
            ))
        });
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
