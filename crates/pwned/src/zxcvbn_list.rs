//! Reading the shipped corpus's source: the `PASSWORDS` list in the zxcvbn crate's
//! `src/frequency_lists.rs` (a comma-separated Rust string literal). Used by
//! `examples/build_corpus.rs`, which `scripts/build-corpus` runs.

use crate::Error;

/// The value of `const NAME: &str = "...";` in Rust source, with escapes resolved.
pub fn extract_str_const(source: &str, name: &str) -> Result<String, Error> {
    let marker = format!("const {name}: &str = \"");
    let start = source
        .find(&marker)
        .ok_or_else(|| Error::Config(format!("no `const {name}: &str` in the source")))?
        + marker.len();
    let mut out = String::new();
    let mut chars = source[start..].chars();
    loop {
        match chars.next() {
            None => {
                return Err(Error::Config(format!(
                    "unterminated string literal for {name}"
                )))
            }
            Some('"') => return Ok(out),
            Some('\\') => match chars.next() {
                Some('\\') => out.push('\\'),
                Some('\'') => out.push('\''),
                Some('"') => out.push('"'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some('\n') => {
                    // Line continuation: skip the newline and the next line's leading whitespace.
                    let rest = chars.as_str().trim_start();
                    chars = rest.chars();
                }
                Some('x') => {
                    let hex: String = chars.by_ref().take(2).collect();
                    let v = u8::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|v| *v < 0x80)
                        .ok_or_else(|| Error::Config(format!("bad \\x escape in {name}")))?;
                    out.push(v as char);
                }
                Some('u') => {
                    let rest = chars.as_str();
                    let close = rest
                        .find('}')
                        .filter(|_| rest.starts_with('{'))
                        .ok_or_else(|| Error::Config(format!("bad \\u escape in {name}")))?;
                    let c = u32::from_str_radix(&rest[1..close], 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| Error::Config(format!("bad \\u escape in {name}")))?;
                    out.push(c);
                    chars = rest[close + 1..].chars();
                }
                other => {
                    return Err(Error::Config(format!(
                        "unknown escape \\{other:?} in {name}"
                    )));
                }
            },
            Some(c) => out.push(c),
        }
    }
}

/// The zxcvbn password list, in the crate's order (most common first), without empty items.
pub fn passwords(frequency_lists_rs: &str) -> Result<Vec<String>, Error> {
    let list = extract_str_const(frequency_lists_rs, "PASSWORDS")?;
    Ok(list
        .split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_escapes_and_stops_at_the_closing_quote() {
        let src = "const OTHER: &str = \"x\";\nconst PASSWORDS: &str = \"123456,pic\\'s,a\\\\b,q\\\"t,\\u{e9}t\\x41,\\\n    next\";\nconst MORE: &str = \"y\";";
        assert_eq!(
            passwords(src).unwrap(),
            ["123456", "pic's", "a\\b", "q\"t", "étA", "next"]
        );
        assert!(passwords("const PASSWORDS: &str = \"abc").is_err());
        assert!(passwords("const NAMES: &str = \"abc\";").is_err());
        assert!(passwords("const PASSWORDS: &str = \"a\\qb\";").is_err());
    }
}
