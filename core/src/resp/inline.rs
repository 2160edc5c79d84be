//! Argument splitting with Redis's `sdssplitargs` rules.
//!
//! Used for inline requests (`processInlineBuffer`) and, by the server, for
//! configuration lines. It only splits an already delimited line; finding
//! the end of the line is the caller's job (see `RequestParser`).
//!
//! The rules, as in Redis 7.0.15:
//!
//! * Between arguments, C `isspace` bytes are skipped: space, `\t`, `\n`,
//!   `\v`, `\f`, `\r`.
//! * An unquoted argument ends at space, `\t`, `\n`, `\r` or end of line,
//!   but **not** at `\v` or `\f`. A quote inside an unquoted argument starts
//!   a quoted section that is appended to the same argument (`a"b c"` is the
//!   single argument `ab c`).
//! * Double quotes understand `\xHH` (two hex digits, any case), `\n`, `\r`,
//!   `\t`, `\b`, `\a`; any other escaped byte stands for itself (`\\`, `\"`,
//!   `\q` -> `q`).
//! * Single quotes understand only `\'`; other backslashes are literal.
//! * A closing quote must be followed by `isspace` or the end of the line,
//!   otherwise the whole line is rejected; so is an unterminated quote.
//! * The line is a C string: a NUL byte ends it.

/// C `isspace` in the "C" locale.
#[inline]
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits `line` into arguments like Redis's `sdssplitargs`.
///
/// Returns `None` where Redis returns NULL: unbalanced quotes, or a closing
/// quote followed by something other than whitespace. An empty or blank
/// line gives an empty vector. Bytes from the first NUL on are ignored.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    // Reading past the end yields the C string terminator.
    let at = |i: usize| -> u8 { line.get(i).copied().unwrap_or(0) };

    let mut args = Vec::new();
    let mut p = 0usize;
    loop {
        while p < line.len() && is_c_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(args);
        }

        let mut current = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        let mut done = false;
        while !done {
            let c = at(p);
            if in_double {
                let hex = if c == b'\\' && at(p + 1) == b'x' {
                    hex_value(at(p + 2)).zip(hex_value(at(p + 3)))
                } else {
                    None
                };
                if let Some((hi, lo)) = hex {
                    current.push(hi * 16 + lo);
                    p += 3;
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    let next = at(p + 1);
                    if next != 0 && !is_c_space(next) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    let next = at(p + 1);
                    if next != 0 && !is_c_space(next) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    _ => current.push(c),
                }
            }
            if at(p) != 0 {
                p += 1;
            }
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::split_args;

    fn ok(line: &[u8]) -> Vec<Vec<u8>> {
        split_args(line).expect("balanced")
    }

    #[test]
    fn splitting_cases() {
        assert_eq!(ok(b""), Vec::<Vec<u8>>::new());
        assert_eq!(ok(b" \t\x0b\x0c "), Vec::<Vec<u8>>::new());
        assert_eq!(
            ok(b"set a b"),
            vec![b"set".to_vec(), b"a".to_vec(), b"b".to_vec()]
        );
        assert_eq!(ok(b"a\x0bb"), vec![b"a\x0bb".to_vec()]);
        assert_eq!(
            ok(b"  x\r\ny\tz  "),
            vec![b"x".to_vec(), b"y".to_vec(), b"z".to_vec()]
        );
        assert_eq!(ok(b"\xff\xfe"), vec![b"\xff\xfe".to_vec()]);
    }

    #[test]
    fn quote_rules() {
        assert_eq!(ok(b"a\"b c\""), vec![b"ab c".to_vec()]);
        assert_eq!(split_args(b"a\"b c\"d"), None);
        assert_eq!(ok(b"\"\""), vec![Vec::new()]);
        assert_eq!(ok(b"''"), vec![Vec::new()]);
        assert_eq!(ok(b"\"\\x41\\x4a\\x4B\""), vec![b"AJK".to_vec()]);
        assert_eq!(ok(b"\"\\x4g\""), vec![b"x4g".to_vec()]);
        assert_eq!(
            ok(b"\"\\n\\r\\t\\b\\a\\\\\\\"\\q\""),
            vec![b"\n\r\t\x08\x07\\\"q".to_vec()]
        );
        assert_eq!(ok(b"'it\\'s \\n'"), vec![b"it's \\n".to_vec()]);
        assert_eq!(ok(b"\"a\"\x0b'b'"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(split_args(b"\"abc"), None);
        assert_eq!(split_args(b"'abc"), None);
        assert_eq!(split_args(b"\"abc\\"), None);
        assert_eq!(split_args(b"'a'b"), None);
        assert_eq!(ok(b"a\0\"unbalanced"), vec![b"a".to_vec()]);
        assert_eq!(split_args(b"\"a\0\""), None);
    }
}
