//! Configuration problems with file, line and column, and the TOML parsing that finds them.

use serde::de::DeserializeOwned;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A definition that does not hold, in the words `validate` prints. The function that finds
/// it says what is wrong; its caller, which knows the file, line and definition, adds them
/// once (as a [`ConfigError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl From<String> for Invalid {
    fn from(s: String) -> Invalid {
        Invalid(s)
    }
}

impl From<&str> for Invalid {
    fn from(s: &str) -> Invalid {
        Invalid(s.to_string())
    }
}

/// One problem in a definition file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line, 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    pub fn whole_file(file: &Path, message: &str) -> Self {
        ConfigError { file: file.to_path_buf(), line: 0, column: 0, message: message.to_string() }
    }

    /// A problem at a byte span of a file (the file is re-read to turn bytes into lines).
    pub fn at_span(file: &Path, span: Range<usize>, message: &str) -> Self {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let (line, column) = line_col(&text, span.start);
        ConfigError { file: file.to_path_buf(), line, column, message: message.to_string() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file.display(), self.line, self.column, self.message)
        }
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// Reads and deserialises one TOML file, recording a located error on failure.
pub fn parse_file<T: DeserializeOwned>(path: &Path, errors: &mut Vec<ConfigError>) -> Option<T> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(ConfigError::whole_file(path, &format!("cannot read file: {e}")));
            return None;
        }
    };
    match toml::from_str::<T>(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            let (line, column) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((0, 0));
            errors.push(ConfigError {
                file: path.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }

    #[test]
    fn unknown_key_is_located() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            name: String,
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.toml");
        std::fs::write(&p, "name = \"a\"\nnmae = \"b\"\n").unwrap();
        let mut errors = Vec::new();
        assert!(parse_file::<S>(&p, &mut errors).is_none());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2, "{}", errors[0]);
        assert!(errors[0].message.contains("nmae"), "{}", errors[0]);
    }
}
