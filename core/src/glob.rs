//! Glob-style matching with exactly the rules of Redis's `stringmatchlen`
//! (util.c, Redis 7.0.15), used by `KEYS`, `SCAN MATCH`, `CONFIG GET`,
//! pub/sub patterns and the config file's `include` wildcards.
//!
//! * `*` matches any run of bytes (also none), `?` any single byte.
//! * `[...]` matches one byte of a set; `[^...]` negates it. Inside a set,
//!   `a-z` is a range (reversed ranges such as `z-a` are swapped), `\x`
//!   matches `x` literally (and case-sensitively even with `nocase`), and
//!   a set left open (`[abc` at the end of the pattern) behaves as if it
//!   were closed there.
//! * `\x` outside a set matches `x` literally; a trailing lone `\` matches
//!   a backslash.
//! * `nocase` folds ASCII letters only (C locale `tolower`).
//! * An empty string is matched only by the empty pattern (as in Redis, not
//!   even `*` matches it).
//!
//! Like Redis, a pattern that nests more than 1000 `*` recursions never
//! matches, and a failed `*` stops earlier `*`s from retrying longer
//! matches (the "skip longer matches" optimisation), so matching is not
//! exponential.

/// Does `s` match the glob `pattern`? See the module docs for the rules.
pub fn string_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, s, nocase, &mut skip_longer, 0)
}

#[inline]
fn lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

fn match_impl(
    pattern: &[u8],
    string: &[u8],
    nocase: bool,
    skip_longer: &mut bool,
    nesting: u32,
) -> bool {
    // Protection against abusive patterns.
    if nesting > 1000 {
        return false;
    }
    // Indices mirror the C pointers; reading past the end of the pattern
    // yields the C string terminator.
    let pat = |i: usize| -> u8 { pattern.get(i).copied().unwrap_or(0) };
    let mut p = 0usize; // pattern position
    let mut plen = pattern.len(); // pattern bytes left
    let mut s = 0usize; // string position
    let mut slen = string.len(); // string bytes left

    while plen > 0 && slen > 0 {
        match pat(p) {
            b'*' => {
                while plen > 0 && pat(p + 1) == b'*' {
                    p += 1;
                    plen -= 1;
                }
                if plen == 1 {
                    return true; // match
                }
                while slen > 0 {
                    if match_impl(
                        &pattern[p + 1..],
                        &string[s..],
                        nocase,
                        skip_longer,
                        nesting + 1,
                    ) {
                        return true; // match
                    }
                    if *skip_longer {
                        return false; // no match
                    }
                    s += 1;
                    slen -= 1;
                }
                // The rest of the pattern matches nowhere in the rest of the
                // string: earlier stars need not try longer matches.
                *skip_longer = true;
                return false;
            }
            b'?' => {
                s += 1;
                slen -= 1;
            }
            b'[' => {
                p += 1;
                plen -= 1;
                let not = pat(p) == b'^';
                if not {
                    p += 1;
                    plen -= 1;
                }
                let c = string[s];
                let mut matched = false;
                loop {
                    if pat(p) == b'\\' && plen >= 2 {
                        p += 1;
                        plen -= 1;
                        if pat(p) == c {
                            matched = true;
                        }
                    } else if pat(p) == b']' {
                        break;
                    } else if plen == 0 {
                        // Unterminated set: step back so the advance below
                        // lands on the end of the pattern.
                        p -= 1;
                        plen += 1;
                        break;
                    } else if plen >= 3 && pat(p + 1) == b'-' {
                        let (mut start, mut end, mut cc) = (pat(p), pat(p + 2), c);
                        if start > end {
                            core::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = lower(start);
                            end = lower(end);
                            cc = lower(cc);
                        }
                        p += 2;
                        plen -= 2;
                        if cc >= start && cc <= end {
                            matched = true;
                        }
                    } else if nocase {
                        if lower(pat(p)) == lower(c) {
                            matched = true;
                        }
                    } else if pat(p) == c {
                        matched = true;
                    }
                    p += 1;
                    plen -= 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false; // no match
                }
                s += 1;
                slen -= 1;
            }
            first => {
                let mut pc = first;
                if first == b'\\' && plen >= 2 {
                    p += 1;
                    plen -= 1;
                    pc = pat(p);
                }
                let same = if nocase {
                    lower(pc) == lower(string[s])
                } else {
                    pc == string[s]
                };
                if !same {
                    return false; // no match
                }
                s += 1;
                slen -= 1;
            }
        }
        p += 1;
        plen -= 1;
        if slen == 0 {
            while plen > 0 && pat(p) == b'*' {
                p += 1;
                plen -= 1;
            }
            break;
        }
    }
    plen == 0 && slen == 0
}

#[cfg(test)]
mod tests {
    use super::string_match;

    fn m(p: &str, s: &str) -> bool {
        string_match(p.as_bytes(), s.as_bytes(), false)
    }
    fn mi(p: &str, s: &str) -> bool {
        string_match(p.as_bytes(), s.as_bytes(), true)
    }

    #[test]
    fn literals_and_wildcards() {
        assert!(m("hello", "hello"));
        assert!(!m("hello", "hell"));
        assert!(!m("hell", "hello"));
        assert!(m("h?llo", "hallo"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        // Like Redis, only the empty pattern matches an empty string.
        assert!(!m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("**", "x"));
        assert!(m("a*", "a"));
        assert!(m("a**", "a"));
        assert!(!m("?", ""));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("*max-*-entries*", "hash-max-listpack-entries"));
        assert!(!m("*max-*-entries*", "maxmemory"));
        assert!(m("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!m("*a*b*c*", "xxaxxcxxbxx"));
    }

    #[test]
    fn sets_and_ranges() {
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(!m("h[a-b]llo", "hcllo"));
        // Reversed ranges are swapped.
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("[z-a]", "q"));
        // `a-]` is a (reversed) range up to `]`, which closes nothing.
        assert!(m("[a-]", "^"));
        assert!(!m("[a-]", "-"));
        assert!(!m("[a-]", "b"));
        // Escapes inside a set.
        assert!(m("[\\]]", "]"));
        assert!(m("[\\^a]", "^"));
        assert!(!m("[\\^a]", "b"));
        // `]` first in a set closes it at once: `[]` matches nothing.
        assert!(!m("[]a", "a"));
        assert!(m("[^]a", "xa"));
    }

    #[test]
    fn unterminated_sets() {
        // An unterminated set behaves as if closed at the end of the pattern.
        assert!(m("[abc", "a"));
        assert!(m("[abc", "c"));
        assert!(!m("[abc", "d"));
        assert!(!m("[abc", "ab"));
        assert!(m("x[a", "xa"));
        assert!(!m("[", "a"));
        assert!(m("[^", "a"));
        assert!(!m("[^", ""));
        assert!(m("[a-", "a"));
        assert!(m("[a-", "-"));
    }

    #[test]
    fn escapes() {
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("a\\?b", "a?b"));
        assert!(!m("a\\?b", "axb"));
        // A trailing lone backslash matches a backslash.
        assert!(m("a\\", "a\\"));
        assert!(m("\\\\", "\\"));
    }

    #[test]
    fn nocase() {
        assert!(mi("HeLLo", "hello"));
        assert!(!m("HeLLo", "hello"));
        assert!(mi("[A-C]x", "bX"));
        assert!(mi("[a-c]x", "BX"));
        assert!(mi("[xy]", "Y"));
        assert!(!m("[xy]", "Y"));
        // An escaped byte in a set is compared exactly.
        assert!(!mi("[\\A]", "a"));
        assert!(mi("*PORT*", "port"));
    }

    /// Each pattern against the same keys, with the answer of KEYS on a
    /// real redis-server 7.0.15.
    #[test]
    fn same_as_redis_keys() {
        let keys = [
            "-", "a", "b", "]", "^", "_", "x", "xa", "hello", "hallo", "a\\", "\\", "*", "?", "ab",
            "a?b", "axb", "A", "B", "X", "Y", "q",
        ];
        let cases: &[(&str, &[&str])] = &[
            ("[a-]", &["]", "^", "_", "a"]),
            ("[]a", &[]),
            ("[^]a", &["xa"]),
            ("[abc", &["a", "b"]),
            ("[", &[]),
            (
                "[^",
                &[
                    "*", "-", "?", "A", "B", "X", "Y", "\\", "]", "^", "_", "a", "b", "q", "x",
                ],
            ),
            ("[a-", &["-", "a"]),
            ("x[a", &["xa"]),
            ("[\\]]", &["]"]),
            ("[\\^a]", &["^", "a"]),
            ("a\\", &["a\\"]),
            ("\\\\", &["\\"]),
            ("[z-a]", &["a", "b", "q", "x"]),
            ("*a*", &["a", "a?b", "a\\", "ab", "axb", "hallo", "xa"]),
        ];
        for (pat, want) in cases {
            let mut got: Vec<&str> = keys.iter().copied().filter(|k| m(pat, k)).collect();
            got.sort_unstable();
            let mut want = want.to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "pattern {pat}");
        }
    }

    #[test]
    fn pathological_patterns_finish() {
        let pat = "a*".repeat(30) + "b";
        let s = "a".repeat(60);
        assert!(!m(&pat, &s));
        // More than 1000 nested stars never match, like Redis.
        let deep = "*a".repeat(1100);
        let s = "a".repeat(1100);
        assert!(!m(&deep, &s));
        let ok = "*a".repeat(10);
        assert!(m(&ok, &"a".repeat(10)));
    }
}
