//! Small RESP helpers for the consoles: split a typed line into words, and print replies
//! the way `redis-cli` prints them in a terminal (commands are encoded by the core's
//! `resp_command`).

/// Split a console line into words like `redis-cli` does: ASCII whitespace separates words,
/// `"..."` (with `\n`, `\r`, `\t`, `\"`, `\\` and `\xHH` escapes) and `'...'` quote them.
/// `None` for unbalanced quotes.
pub fn split_args(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(char::is_ascii_whitespace) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Some(out);
        };
        let mut word = String::new();
        if first == '"' {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        'n' => word.push('\n'),
                        'r' => word.push('\r'),
                        't' => word.push('\t'),
                        'x' => {
                            let h: String = [chars.next()?, chars.next()?].iter().collect();
                            word.push(char::from(u8::from_str_radix(&h, 16).ok()?));
                        }
                        c => word.push(c),
                    },
                    c => word.push(c),
                }
            }
        } else if first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    '\'' => break,
                    c => word.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_ascii_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
}

/// One parsed reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Status(String),
    /// `-ERR ...`
    Error(String),
    /// `:1`
    Int(i64),
    /// `$n` bulk (`None`: the null bulk `$-1`).
    Bulk(Option<Vec<u8>>),
    /// `*n` (`None`: the null array `*-1`).
    Array(Option<Vec<Reply>>),
}

fn line(b: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(pos..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..end], pos + end + 2))
}

fn num(b: &[u8]) -> Option<i64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Parse one reply at `pos`; `None` while incomplete. Returns the reply and the next
/// position. Nesting is limited, counts are checked against the bytes present.
pub fn parse_reply(b: &[u8], pos: usize) -> Option<(Reply, usize)> {
    parse_depth(b, pos, 0)
}

fn parse_depth(b: &[u8], pos: usize, depth: u32) -> Option<(Reply, usize)> {
    if depth > 16 {
        return None;
    }
    let (head, next) = line(b, pos)?;
    let (&kind, rest) = head.split_first()?;
    let text = || String::from_utf8_lossy(rest).into_owned();
    match kind {
        b'+' => Some((Reply::Status(text()), next)),
        b'-' => Some((Reply::Error(text()), next)),
        b':' => Some((Reply::Int(num(rest)?), next)),
        b'$' => {
            let n = num(rest)?;
            if n < 0 {
                return Some((Reply::Bulk(None), next));
            }
            let n = usize::try_from(n).ok()?;
            let data = b.get(next..next.checked_add(n)?)?;
            b.get(next + n..next + n + 2)?;
            Some((Reply::Bulk(Some(data.to_vec())), next + n + 2))
        }
        b'*' => {
            let n = num(rest)?;
            if n < 0 {
                return Some((Reply::Array(None), next));
            }
            let n = usize::try_from(n).ok()?;
            // Each element takes at least 3 bytes: do not trust a huge count.
            if n > b.len().saturating_sub(next) / 3 + 1 {
                return None;
            }
            let mut items = Vec::with_capacity(n);
            let mut p = next;
            for _ in 0..n {
                let (r, q) = parse_depth(b, p, depth + 1)?;
                items.push(r);
                p = q;
            }
            Some((Reply::Array(Some(items)), p))
        }
        _ => None,
    }
}

/// Raw protocol bytes as readable text: printable ASCII as is, `\r` `\n` `\t` `\\` and
/// other bytes escaped (`\x00`), a line break after each `\n` (so RESP reads line by line).
pub fn escape_bytes(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 16);
    for &c in b {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            c if c.is_ascii_graphic() || c == b' ' => s.push(char::from(c)),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s
}

/// `redis-cli`'s quoting of a bulk string (`"hello"`, `"a\r\nb"`, `"\xff"`).
fn quoted(b: &[u8]) -> String {
    let mut s = String::from("\"");
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            c if c.is_ascii_graphic() || c == b' ' => s.push(char::from(c)),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

/// Print a reply as `redis-cli` does on a terminal (`OK`, `(integer) 1`, `"v"`, `(nil)`,
/// `(error) ERR ...`, numbered array items). A bulk reply with line breaks (like `INFO`)
/// is printed as raw text so it reads like the server's own output.
pub fn format_reply(r: &Reply) -> String {
    format_indented(r, 0)
}

fn format_indented(r: &Reply, indent: usize) -> String {
    match r {
        Reply::Status(s) => s.clone(),
        Reply::Error(s) => format!("(error) {s}"),
        Reply::Int(n) => format!("(integer) {n}"),
        Reply::Bulk(None) | Reply::Array(None) => "(nil)".to_string(),
        Reply::Bulk(Some(b)) if indent == 0 && b.windows(2).any(|w| w == b"\r\n") => {
            String::from_utf8_lossy(b).replace("\r\n", "\n")
        }
        Reply::Bulk(Some(b)) => quoted(b),
        Reply::Array(Some(items)) if items.is_empty() => "(empty array)".to_string(),
        Reply::Array(Some(items)) => {
            let width = items.len().to_string().len();
            let mut out = String::new();
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent));
                }
                let prefix = format!("{:>width$}) ", i + 1);
                out.push_str(&prefix);
                out.push_str(&format_indented(it, indent + prefix.len()));
            }
            out
        }
    }
}

/// Split a stream of replies into printed replies; the incomplete tail is left out.
pub fn format_replies(b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        match parse_reply(b, pos) {
            Some((r, p)) => {
                out.push(format_reply(&r));
                pos = p;
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_redis_cli() {
        assert_eq!(
            split_args(r#"SET "a b" 'c d' x\y"#).unwrap(),
            vec!["SET", "a b", "c d", "x\\y"]
        );
        assert_eq!(
            split_args(r#"SET k "\x41\n""#).unwrap(),
            vec!["SET", "k", "A\n"]
        );
        assert_eq!(split_args("  ").unwrap(), Vec::<String>::new());
        assert!(split_args("SET \"open").is_none());
    }

    #[test]
    fn escapes_raw_bytes() {
        assert_eq!(
            escape_bytes(b"*1\r\n$4\r\nPING\r\n\x00\\"),
            "*1\\r\\n\n$4\\r\\n\nPING\\r\\n\n\\x00\\\\"
        );
    }

    #[test]
    fn prints_like_redis_cli() {
        let b =
            b"+OK\r\n:3\r\n$-1\r\n$5\r\nhello\r\n-ERR wrong\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*0\r\n";
        assert_eq!(
            format_replies(b),
            vec![
                "OK",
                "(integer) 3",
                "(nil)",
                "\"hello\"",
                "(error) ERR wrong",
                "1) \"a\"\n2) 1) (integer) 1",
                "(empty array)"
            ]
        );
        // Incomplete tail is not printed; a huge count does not allocate.
        assert_eq!(format_replies(b"+OK\r\n$10\r\nabc"), vec!["OK"]);
        assert!(parse_reply(b"*999999999999\r\n", 0).is_none());
    }
}
