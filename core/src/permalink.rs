//! Permalinks: the state a viewer needs to restore one exact moment of a simulation, written
//! as a URL fragment and read back.
//!
//! `#s=partial-resync&seed=7&step=42&lang=zh&set=repl-backlog-size:16384&act=12:0:SET%20x%201`
//!
//! The simulator is deterministic, so scenario + seed + settings + the learner's own actions
//! (commands typed, faults injected, each with the event index it happened at) + the step
//! index are enough to rebuild the run and jump to the moment. Values are percent-encoded, so
//! any command bytes survive. Unknown keys are ignored (newer links open in older builds);
//! malformed values are errors that say which key. Nothing here performs I/O.

use thiserror::Error;

/// What a permalink restores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permalink {
    /// The scenario (`partial-resync`).
    pub scenario: String,
    /// The simulator seed.
    pub seed: u64,
    /// The event index to show.
    pub step: u64,
    /// UI language (`en`, `zh`), empty for the default.
    pub lang: String,
    /// Show both languages at once.
    pub bilingual: bool,
    /// Guided tour on.
    pub tour: bool,
    /// Settings changed from the scenario's defaults, in the order applied (`repl-backlog-size`,
    /// `16384`).
    pub settings: Vec<(String, String)>,
    /// The learner's own actions: (event index it was applied at, action as the viewer spells
    /// it, e.g. `0:SET x 1` for a command on node 0).
    pub actions: Vec<(u64, String)>,
}

/// A permalink that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PermalinkError {
    /// A key's value is malformed.
    #[error("permalink: bad value for {key}: {value:?}")]
    BadValue {
        /// The key.
        key: String,
        /// Its raw value.
        value: String,
    },
    /// No scenario named.
    #[error("permalink: no scenario (s=...)")]
    NoScenario,
}

/// Percent-encode everything but unreserved characters (RFC 3986), and `:` unless
/// `keep_colon` is false (a setting's name, which a literal `:` ends).
fn enc_with(s: &str, out: &mut String, keep_colon: bool) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_colon && b == b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn enc(s: &str, out: &mut String) {
    enc_with(s, out, true)
}

fn dec(key: &str, s: &str) -> Result<String, PermalinkError> {
    let bad = || PermalinkError::BadValue {
        key: key.to_string(),
        value: s.to_string(),
    };
    let mut bytes = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        match b {
            b'%' => {
                let hi = it
                    .next()
                    .and_then(|c| (c as char).to_digit(16))
                    .ok_or_else(bad)?;
                let lo = it
                    .next()
                    .and_then(|c| (c as char).to_digit(16))
                    .ok_or_else(bad)?;
                bytes.push((hi * 16 + lo) as u8);
            }
            b'+' => bytes.push(b' '),
            b => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| bad())
}

impl Permalink {
    /// The URL fragment, starting with `#`.
    pub fn to_fragment(&self) -> String {
        let mut out = String::from("#s=");
        enc(&self.scenario, &mut out);
        out.push_str(&format!("&seed={}&step={}", self.seed, self.step));
        if !self.lang.is_empty() {
            out.push_str("&lang=");
            enc(&self.lang, &mut out);
        }
        if self.bilingual {
            out.push_str("&both=1");
        }
        if self.tour {
            out.push_str("&tour=1");
        }
        for (k, v) in &self.settings {
            out.push_str("&set=");
            enc_with(k, &mut out, false);
            out.push(':');
            enc(v, &mut out);
        }
        for (at, a) in &self.actions {
            out.push_str(&format!("&act={at}:"));
            enc(a, &mut out);
        }
        out
    }

    /// Read a fragment (with or without the leading `#`).
    pub fn from_fragment(frag: &str) -> Result<Permalink, PermalinkError> {
        let frag = frag.strip_prefix('#').unwrap_or(frag);
        let mut p = Permalink::default();
        for pair in frag.split('&').filter(|s| !s.is_empty()) {
            let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let bad = || PermalinkError::BadValue {
                key: key.to_string(),
                value: raw.to_string(),
            };
            let num = |s: &str| s.parse::<u64>().map_err(|_| bad());
            let flag = |s: &str| match s {
                "1" => Ok(true),
                "0" => Ok(false),
                _ => Err(bad()),
            };
            match key {
                "s" => p.scenario = dec(key, raw)?,
                "seed" => p.seed = num(raw)?,
                "step" => p.step = num(raw)?,
                "lang" => p.lang = dec(key, raw)?,
                "both" => p.bilingual = flag(raw)?,
                "tour" => p.tour = flag(raw)?,
                "set" => {
                    // Split on the first literal ':' (encoded names never contain one).
                    let (k, v) = raw.split_once(':').ok_or_else(bad)?;
                    p.settings.push((dec(key, k)?, dec(key, v)?));
                }
                "act" => {
                    let (at, a) = raw.split_once(':').ok_or_else(bad)?;
                    p.actions.push((num(at)?, dec(key, a)?));
                }
                _ => {}
            }
        }
        if p.scenario.is_empty() {
            return Err(PermalinkError::NoScenario);
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip_and_shape() {
        let p = Permalink {
            scenario: "partial-resync".into(),
            seed: 7,
            step: 42,
            lang: "zh".into(),
            bilingual: true,
            tour: false,
            settings: vec![("repl-backlog-size".into(), "16384".into())],
            actions: vec![(12, "0:SET x 1".into()), (30, "cut 0 1".into())],
        };
        let f = p.to_fragment();
        assert_eq!(
            f,
            "#s=partial-resync&seed=7&step=42&lang=zh&both=1&set=repl-backlog-size:16384&act=12:0:SET%20x%201&act=30:cut%200%201"
        );
        assert_eq!(Permalink::from_fragment(&f).unwrap(), p);
    }

    #[test]
    fn errors_and_tolerance() {
        assert_eq!(
            Permalink::from_fragment("#seed=1").unwrap_err(),
            PermalinkError::NoScenario
        );
        let e = Permalink::from_fragment("#s=chain&seed=x").unwrap_err();
        assert_eq!(e.to_string(), "permalink: bad value for seed: \"x\"");
        let e = Permalink::from_fragment("#s=chain&act=3:%G1").unwrap_err();
        assert!(matches!(e, PermalinkError::BadValue { ref key, .. } if key == "act"));
        // Unknown keys are ignored; '+' reads as a space.
        let p = Permalink::from_fragment("s=chain&future=1&act=0:0:GET+k").unwrap();
        assert_eq!(p.actions, vec![(0, "0:GET k".to_string())]);
    }

    proptest! {
        #[test]
        fn any_state_round_trips(
            scenario in "[a-z-]{1,20}",
            seed: u64,
            step: u64,
            lang in "(en|zh|)",
            bilingual: bool,
            tour: bool,
            settings in proptest::collection::vec(("\\PC{1,20}", "\\PC{0,12}"), 0..4),
            actions in proptest::collection::vec((any::<u64>(), "\\PC{0,30}"), 0..4),
        ) {
            let p = Permalink { scenario, seed, step, lang, bilingual, tour, settings, actions };
            prop_assert_eq!(Permalink::from_fragment(&p.to_fragment()).unwrap(), p);
        }
    }
}
