use std::fmt;
use std::io;

/// Everything that can go wrong opening, reading or building a corpus.
#[derive(Debug)]
pub enum Error {
    /// The operating system refused a read or a write.
    Io(io::Error),
    /// The file does not start with the corpus magic: it is not a corpus file at all.
    NotACorpus,
    /// A corpus file of a format version this build does not read.
    UnsupportedVersion(u16),
    /// A header field is out of range.
    BadHeader(String),
    /// The file is shorter than its header says (an interrupted copy or download).
    Truncated { expected: u64, actual: u64 },
    /// The file's structure is inconsistent (fan-out table, record order, trailing bytes).
    Corrupt(String),
    /// A line of text input could not be read.
    Parse { line: u64, message: String },
    /// Hashes were given to a [`crate::CorpusWriter`] out of order.
    Unsorted { previous: String, next: String },
    /// A count does not fit the file's count width.
    CountTooLarge { count: u64, count_bytes: u8 },
    /// A setting was rejected (for example an upstream URL that is not http(s)).
    Config(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "corpus I/O error: {e}"),
            Error::NotACorpus => {
                write!(
                    f,
                    "not a pwned corpus file (bad magic; expected {:?})",
                    "PWNRANGE"
                )
            }
            Error::UnsupportedVersion(v) => write!(
                f,
                "unsupported pwned corpus format version {v} (this build reads version {})",
                crate::VERSION
            ),
            Error::BadHeader(m) => write!(f, "bad pwned corpus header: {m}"),
            Error::Truncated { expected, actual } => write!(
                f,
                "truncated pwned corpus file: header implies {expected} bytes, file has {actual}"
            ),
            Error::Corrupt(m) => write!(f, "corrupt pwned corpus file: {m}"),
            Error::Parse { line, message } => write!(f, "input line {line}: {message}"),
            Error::Unsorted { previous, next } => {
                write!(f, "hashes out of order: {next} after {previous}")
            }
            Error::CountTooLarge { count, count_bytes } => {
                write!(f, "count {count} does not fit in {count_bytes} byte(s)")
            }
            Error::Config(m) => write!(f, "pwned configuration: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}
