//! Errors the engine returns: Spark's own error classes for what Spark
//! refuses, Python's exceptions for what Python refuses, and a clear
//! "not supported yet" naming the construct and where it is.

use std::fmt;

/// Where in the script something is (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ErrorKind {
    /// A Python exception (`NameError`, `SyntaxError`, `TypeError`...):
    /// `class` is None and `python_type` names it.
    Python,
    /// Spark's `AnalysisException` and friends, raised while the script runs.
    Analysis,
    /// A query failed while running a batch: class `STREAM_FAILED`.
    StreamFailed,
    /// A failure inside a batch (cast, index...), before it is wrapped into
    /// STREAM_FAILED by the query that ran it.
    Execution,
    /// Something streamlab does not support yet.
    Unsupported,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EngineError {
    pub kind: ErrorKind,
    /// Spark's error class (`STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION`),
    /// or None for Python exceptions.
    pub class: Option<String>,
    /// The exception type as PySpark names it (`AnalysisException`,
    /// `StreamingQueryException`, `NameError`...).
    pub python_type: String,
    /// The first line of the message, as Spark prints it (with `[CLASS]`
    /// prefix and `SQLSTATE` suffix where Spark has them).
    pub message: String,
    /// Where in the script, when the error comes from a place in it.
    pub span: Option<Span>,
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
    /// A Spark error with a class and SQLSTATE: message is
    /// `[CLASS] text SQLSTATE: state`.
    pub fn spark(kind: ErrorKind, class: &str, text: impl fmt::Display, sqlstate: &str) -> Self {
        let python_type = match kind {
            ErrorKind::StreamFailed => "StreamingQueryException",
            ErrorKind::Execution => match sqlstate.get(..2) {
                Some("22") => "ArithmeticException",
                _ => "SparkException",
            },
            _ => "AnalysisException",
        };
        let suffix = if sqlstate.is_empty() { String::new() } else { format!(" SQLSTATE: {sqlstate}") };
        EngineError {
            kind,
            class: Some(class.to_string()),
            python_type: python_type.to_string(),
            message: format!("[{class}] {text}{suffix}"),
            span: None,
        }
    }

    /// An analysis error raised at plan time (eagerly, as PySpark does).
    pub fn analysis(class: &str, text: impl fmt::Display, sqlstate: &str) -> Self {
        Self::spark(ErrorKind::Analysis, class, text, sqlstate)
    }

    /// A failure while evaluating a batch.
    pub fn execution(class: &str, text: impl fmt::Display, sqlstate: &str) -> Self {
        Self::spark(ErrorKind::Execution, class, text, sqlstate)
    }

    /// One of Spark's legacy refusals, `_LEGACY_ERROR_TEMP_3102` style: the
    /// message carries no class prefix; PySpark appends `;` (the plan follows).
    pub fn legacy(class: &str, text: impl fmt::Display) -> Self {
        EngineError {
            kind: ErrorKind::Analysis,
            class: Some(class.to_string()),
            python_type: "AnalysisException".into(),
            message: format!("{text};"),
            span: None,
        }
    }

    /// A Python exception (`NameError`, `TypeError`...). PySpark's own
    /// exceptions carry an error class in brackets, as Spark's do.
    pub fn python(python_type: &str, message: impl fmt::Display) -> Self {
        let message = message.to_string();
        let class = message
            .strip_prefix('[')
            .and_then(|m| m.split_once(']'))
            .map(|(c, _)| c.to_string())
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_' || ch == '.'));
        EngineError { kind: ErrorKind::Python, class, python_type: python_type.to_string(), message, span: None }
    }

    /// The same error under another Python exception type.
    pub fn with_type(mut self, python_type: &str) -> Self {
        self.python_type = python_type.to_string();
        self
    }

    /// Something streamlab does not support yet; the message names it.
    pub fn unsupported(what: impl fmt::Display) -> Self {
        EngineError {
            kind: ErrorKind::Unsupported,
            class: Some("STREAMLAB_UNSUPPORTED".into()),
            python_type: "NotImplementedError".into(),
            message: format!("streamlab does not support {what} yet"),
            span: None,
        }
    }

    /// Attaches a location unless one is already known.
    pub fn at(mut self, span: Span) -> Self {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    /// The class check.py compares: Spark's class, or the Python type.
    pub fn class_or_type(&self) -> &str {
        self.class.as_deref().unwrap_or(&self.python_type)
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ErrorKind::Python || self.kind == ErrorKind::Unsupported {
            write!(f, "{}: {}", self.python_type, self.message)?;
        } else {
            write!(f, "{}", self.message)?;
        }
        if let Some(s) = self.span {
            write!(f, " (line {}, column {})", s.line, s.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

impl From<arrow::error::ArrowError> for EngineError {
    fn from(e: arrow::error::ArrowError) -> Self {
        EngineError::execution("INTERNAL_ERROR", format!("Arrow: {e}"), "XX000")
    }
}
