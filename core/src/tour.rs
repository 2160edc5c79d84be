//! Guided tours: narrated walks through a simulator scenario, kept as plain text files that a
//! teacher can edit or add without touching Rust (`tours/<scenario>.<lang>.tour` at the
//! repository root; `docs/tours.md` describes the format).
//!
//! A tour is a list of steps. Each step names the moment of the run it explains with a
//! matcher (`when: message replica -> master "PSYNC"`), which is looked up in the scenario's
//! [`TimelineEntry`] list: the first entry at or after the previous step's entry that matches.
//! A step may also ask the learner to predict what happens next (`ask:` with `choices:` and
//! the `answer:`), and names the Redis config knobs involved (`knobs:`).
//!
//! This module parses tour files ([`parse`]), places a tour on a run's timeline ([`place`]:
//! every step must happen, in order, and every answer must be what the run really did) and
//! checks that the languages of one scenario say the same thing ([`check_translations`]: same
//! steps, same matchers, same answers, no empty text). It never runs a simulation itself and
//! never reads files: callers pass the text ([`BUILTIN`] holds the shipped tours, embedded at
//! build time) and the timeline.

use crate::vecmap::VecMap;

use thiserror::Error;

use crate::sim::scenario::{TimelineEntry, TimelineKind};

/// The tours shipped with ReplScope: `(file name, contents)` for every file in `tours/`,
/// sorted by name (embedded by `build.rs`).
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_tours.rs"));

/// The languages every shipped tour must exist in.
pub const LANGUAGES: &[&str] = &["en", "zh"];

/// What kind of timeline entry a step waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    /// A message between two nodes (its label).
    Message,
    /// A node's state change or log line.
    Event,
    /// A fault or scenario action (a link cut, a crash).
    Fault,
}

/// The moment a step explains: the first timeline entry of this kind, from this node (and to
/// that one, for messages), whose text contains `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matcher {
    /// Message, event or fault.
    pub kind: MatchKind,
    /// The sending (message) or reporting (event) node's name; `None` = any.
    pub from: Option<String>,
    /// The receiving node's name (messages only); `None` = any.
    pub to: Option<String>,
    /// A piece of the label or event text.
    pub text: String,
}

impl Matcher {
    /// Whether `e` is the moment this matcher describes.
    pub fn matches(&self, e: &TimelineEntry) -> bool {
        let node_ok = self.from.as_ref().is_none_or(|f| *f == e.node);
        match (&e.kind, self.kind) {
            (TimelineKind::Message { to, label, .. }, MatchKind::Message) => {
                node_ok && self.to.as_ref().is_none_or(|t| t == to) && label.contains(&self.text)
            }
            (TimelineKind::Event(t), MatchKind::Event) => node_ok && t.contains(&self.text),
            (TimelineKind::Fault(t), MatchKind::Fault) => t.contains(&self.text),
            _ => false,
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            MatchKind::Message => "message",
            MatchKind::Event => "event",
            MatchKind::Fault => "fault",
        };
        write!(f, "{kind}")?;
        if let Some(from) = &self.from {
            write!(f, " {from}")?;
        }
        if let Some(to) = &self.to {
            write!(f, " -> {to}")?;
        }
        write!(f, " \"{}\"", self.text)
    }
}

/// A prediction the learner makes before the step's moment is revealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The question, in the tour's language.
    pub ask: String,
    /// The possible answers (protocol words, the same in every language: `+CONTINUE`).
    pub choices: Vec<String>,
    /// The right one; [`place`] checks that the run really did this: the first message back
    /// from the step's receiving node to its sender starts with it.
    pub answer: String,
}

/// One step of a tour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TourStep {
    /// A short identifier, the same in every language (`psync`, `bgsave`).
    pub id: String,
    /// Line of the `step:` line in the file.
    pub line: usize,
    /// The moment it explains.
    pub when: Matcher,
    /// Its heading.
    pub title: String,
    /// The narration (paragraphs separated by blank lines).
    pub text: String,
    /// Redis config knobs involved (`repl-backlog-size`).
    pub knobs: Vec<String>,
    /// A prediction to make before the moment is shown.
    pub question: Option<Question>,
}

impl TourStep {
    /// The narration as paragraphs, each one line: the file's soft line breaks are joined with
    /// a space, or with nothing between two CJK characters (Chinese is written without spaces).
    pub fn paragraphs(&self) -> Vec<String> {
        self.text
            .split("\n\n")
            .map(|p| {
                let mut out = String::new();
                for line in p.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let cjk_join = out.chars().last().is_some_and(is_cjk)
                        && line.chars().next().is_some_and(is_cjk);
                    if !out.is_empty() && !cjk_join {
                        out.push(' ');
                    }
                    out.push_str(line);
                }
                out
            })
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// Chinese, Japanese and Korean characters and full-width punctuation, which are written
/// without spaces between them.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF)
}

/// A parsed tour file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tour {
    /// The scenario it walks through (`full-sync`).
    pub scenario: String,
    /// Its language (`en`, `zh`).
    pub lang: String,
    /// Its title.
    pub title: String,
    /// The steps in order.
    pub steps: Vec<TourStep>,
}

/// Why a tour file could not be read, placed or matched with its translations. Every
/// variant names the file and, where there is one, the line.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TourError {
    /// A syntax error.
    #[error("{file}:{line}: {msg}")]
    Syntax {
        /// The file name.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// A step's moment never happens after the previous step's.
    #[error("{file}:{line}: step '{step}' waits for {when}, which does not happen after the previous step's moment in scenario {scenario}")]
    NotFound {
        /// The file name.
        file: String,
        /// Line of the step.
        line: usize,
        /// The step id.
        step: String,
        /// Its matcher.
        when: String,
        /// The scenario.
        scenario: String,
    },
    /// A question's answer is not what the run did.
    #[error(
        "{file}:{line}: step '{step}' says the answer is {answer}, but the run answered {actual}"
    )]
    WrongAnswer {
        /// The file name.
        file: String,
        /// Line of the step.
        line: usize,
        /// The step id.
        step: String,
        /// The answer in the file.
        answer: String,
        /// What the run sent back (or "nothing").
        actual: String,
    },
    /// Two languages of one scenario disagree, or one is missing.
    #[error("{file}: {msg}")]
    Translation {
        /// The file name.
        file: String,
        /// What differs.
        msg: String,
    },
}

fn syntax(file: &str, line: usize, msg: impl Into<String>) -> TourError {
    TourError::Syntax {
        file: file.to_string(),
        line,
        msg: msg.into(),
    }
}

/// Parse a quoted matcher text: `message replica -> master "PSYNC"`.
fn parse_matcher(file: &str, line: usize, s: &str) -> Result<Matcher, TourError> {
    let open = s.find('"').ok_or_else(|| {
        syntax(
            file,
            line,
            "when: needs the text to look for in double quotes",
        )
    })?;
    let close = s.rfind('"').filter(|&c| c > open).ok_or_else(|| {
        syntax(
            file,
            line,
            "when: the quoted text has no closing double quote",
        )
    })?;
    if !s[close + 1..].trim().is_empty() {
        return Err(syntax(
            file,
            line,
            "when: nothing may follow the quoted text",
        ));
    }
    let text = s[open + 1..close].to_string();
    if text.is_empty() {
        return Err(syntax(file, line, "when: the quoted text is empty"));
    }
    let words: Vec<&str> = s[..open].split_whitespace().collect();
    let kind = match words.first().copied() {
        Some("message") => MatchKind::Message,
        Some("event") => MatchKind::Event,
        Some("fault") => MatchKind::Fault,
        other => {
            return Err(syntax(
                file,
                line,
                format!(
                    "when: expected message, event or fault, got {}",
                    other.unwrap_or("nothing")
                ),
            ))
        }
    };
    let node = |w: &str| (w != "*").then(|| w.to_string());
    let (from, to) = match (kind, &words[1..]) {
        (_, []) => (None, None),
        (MatchKind::Message, [from, "->", to]) => (node(from), node(to)),
        (MatchKind::Message | MatchKind::Event, [from]) => (node(from), None),
        _ => {
            return Err(syntax(
                file,
                line,
                "when: expected `message [FROM -> TO] \"text\"`, `event [NODE] \"text\"` or `fault \"text\"`",
            ))
        }
    };
    Ok(Matcher {
        kind,
        from,
        to,
        text,
    })
}

#[derive(Default)]
struct StepBuilder {
    id: String,
    line: usize,
    when: Option<Matcher>,
    title: Option<String>,
    text: Option<String>,
    knobs: Vec<String>,
    ask: Option<String>,
    choices: Option<Vec<String>>,
    answer: Option<String>,
}

impl StepBuilder {
    fn finish(self, file: &str) -> Result<TourStep, TourError> {
        let line = self.line;
        let need = |v: Option<String>, what: &str| {
            v.filter(|s| !s.trim().is_empty())
                .ok_or_else(|| syntax(file, line, format!("step '{}' has no {what}:", self.id)))
        };
        let when = self
            .when
            .ok_or_else(|| syntax(file, line, format!("step '{}' has no when:", self.id)))?;
        let title = need(self.title, "title")?;
        let text = need(self.text, "text")?;
        let question = match (self.ask, self.choices, self.answer) {
            (None, None, None) => None,
            (Some(ask), Some(choices), Some(answer)) => {
                if !choices.contains(&answer) {
                    return Err(syntax(
                        file,
                        line,
                        format!(
                            "step '{}': answer {answer} is not one of the choices",
                            self.id
                        ),
                    ));
                }
                if when.kind != MatchKind::Message {
                    return Err(syntax(
                        file,
                        line,
                        format!("step '{}': a question needs a `when: message ...` moment (its answer is the reply)", self.id),
                    ));
                }
                Some(Question {
                    ask,
                    choices,
                    answer,
                })
            }
            _ => {
                return Err(syntax(
                    file,
                    line,
                    format!("step '{}': ask:, choices: and answer: go together", self.id),
                ))
            }
        };
        Ok(TourStep {
            id: self.id,
            line,
            when,
            title,
            text,
            knobs: self.knobs,
            question,
        })
    }
}

/// Parse one tour file. `file` names it in errors.
///
/// ```
/// let src = "tour: full-sync\nlang: en\ntitle: First sync\n\n\
///            step: psync\nwhen: message replica -> master \"PSYNC\"\n\
///            title: The replica asks\ntext:\n  It sends PSYNC ? -1.\n";
/// let tour = replscope_core::tour::parse("full-sync.en.tour", src).unwrap();
/// assert_eq!(tour.steps[0].text, "It sends PSYNC ? -1.");
/// ```
pub fn parse(file: &str, src: &str) -> Result<Tour, TourError> {
    let mut header: VecMap<&str, (usize, String)> = VecMap::new();
    let mut steps: Vec<TourStep> = Vec::new();
    let mut cur: Option<StepBuilder> = None;
    // The multi-line field being continued by indented lines.
    let mut cont: Option<&'static str> = None;
    for (i, raw) in src.lines().enumerate() {
        let line = i + 1;
        let indented = raw.starts_with(' ') || raw.starts_with('\t');
        let trimmed = raw.trim();
        if let (true, Some(which), Some(b)) = (indented, cont, cur.as_mut()) {
            let field = match which {
                "text" => b.text.get_or_insert_with(String::new),
                _ => b.ask.get_or_insert_with(String::new),
            };
            if !field.is_empty() && !field.ends_with('\n') {
                field.push('\n');
            }
            field.push_str(trimmed);
            continue;
        }
        if trimmed.is_empty() {
            // A blank line inside a multi-line field separates paragraphs.
            if let (Some("text"), Some(b)) = (cont, cur.as_mut()) {
                if let Some(t) = b.text.as_mut() {
                    if !t.is_empty() && !t.ends_with("\n\n") {
                        t.push_str("\n\n");
                    }
                }
            }
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        if indented {
            return Err(syntax(
                file,
                line,
                "indented line outside a text: or ask: field",
            ));
        }
        cont = None;
        let (key, value) = trimmed
            .split_once(':')
            .map(|(k, v)| (k.trim(), v.trim()))
            .ok_or_else(|| {
                syntax(
                    file,
                    line,
                    format!("expected `key: value`, got {trimmed:?}"),
                )
            })?;
        match key {
            "tour" | "lang" | "title" if cur.is_none() => {
                if header.insert(key, (line, value.to_string())).is_some() {
                    return Err(syntax(file, line, format!("{key}: given twice")));
                }
            }
            "step" => {
                if let Some(b) = cur.take() {
                    steps.push(b.finish(file)?);
                }
                if value.is_empty() || value.contains(char::is_whitespace) {
                    return Err(syntax(file, line, "step: needs a one-word id"));
                }
                if steps.iter().any(|s| s.id == value) {
                    return Err(syntax(file, line, format!("step id '{value}' used twice")));
                }
                cur = Some(StepBuilder {
                    id: value.to_string(),
                    line,
                    ..StepBuilder::default()
                });
            }
            _ => {
                let b = cur.as_mut().ok_or_else(|| {
                    syntax(
                        file,
                        line,
                        format!("{key}: outside a step (tour:, lang:, title: come first)"),
                    )
                })?;
                let dup = match key {
                    "when" => b.when.replace(parse_matcher(file, line, value)?).is_some(),
                    "title" => b.title.replace(value.to_string()).is_some(),
                    "text" => {
                        cont = Some("text");
                        b.text.replace(value.to_string()).is_some()
                    }
                    "ask" => {
                        cont = Some("ask");
                        b.ask.replace(value.to_string()).is_some()
                    }
                    "knobs" => {
                        let had = !b.knobs.is_empty();
                        b.knobs = split_list(value, ',');
                        had
                    }
                    "choices" => b.choices.replace(split_list(value, '|')).is_some(),
                    "answer" => b.answer.replace(value.to_string()).is_some(),
                    _ => return Err(syntax(file, line, format!("unknown field {key}:"))),
                };
                if dup {
                    return Err(syntax(
                        file,
                        line,
                        format!("{key}: given twice in one step"),
                    ));
                }
            }
        }
    }
    if let Some(b) = cur.take() {
        steps.push(b.finish(file)?);
    }
    let mut get = |k: &str| {
        header
            .remove(k)
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| syntax(file, 1, format!("the file has no {k}: line")))
    };
    let scenario = get("tour")?;
    let lang = get("lang")?;
    let title = get("title")?;
    if steps.is_empty() {
        return Err(syntax(file, 1, "the tour has no step"));
    }
    for s in &mut steps {
        s.text = s.text.trim_end().to_string();
    }
    Ok(Tour {
        scenario,
        lang,
        title,
        steps,
    })
}

fn split_list(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Where each step of a tour happens in a run: the index in the timeline of the entry its
/// matcher found (steps in order, never going back).
pub fn place(file: &str, tour: &Tour, timeline: &[TimelineEntry]) -> Result<Vec<usize>, TourError> {
    let mut at = Vec::with_capacity(tour.steps.len());
    let mut from = 0;
    for step in &tour.steps {
        let found = timeline[from..]
            .iter()
            .position(|e| step.when.matches(e))
            .map(|p| p + from)
            .ok_or_else(|| TourError::NotFound {
                file: file.to_string(),
                line: step.line,
                step: step.id.clone(),
                when: step.when.to_string(),
                scenario: tour.scenario.clone(),
            })?;
        if let Some(q) = &step.question {
            let actual = reply_to(timeline, found);
            if !actual
                .as_deref()
                .is_some_and(|label| label.starts_with(&q.answer))
            {
                return Err(TourError::WrongAnswer {
                    file: file.to_string(),
                    line: step.line,
                    step: step.id.clone(),
                    answer: q.answer.clone(),
                    actual: actual.unwrap_or_else(|| "nothing".to_string()),
                });
            }
        }
        at.push(found);
        from = found;
    }
    Ok(at)
}

/// A scenario run's timeline as text (as `replscope-sim --scenario` prints it) with the
/// tour's narration inserted before the moment each step explains: a self-learner's
/// terminal version of the guided tour.
pub fn render_text(
    file: &str,
    tour: &Tour,
    run: &crate::sim::scenario::ScenarioRun,
) -> Result<String, TourError> {
    use crate::sim::scenario::{format_entry, render_final_state};
    let timeline = run.timeline();
    let at = place(file, tour, &timeline)?;
    let mut out = format!(
        "tour {} ({}): {}\nscenario {} (seed {}): {}\n",
        tour.scenario, tour.lang, tour.title, run.scenario.name, run.seed, run.scenario.description
    );
    let mut next = 0;
    for (i, e) in timeline.iter().enumerate() {
        while next < at.len() && at[next] == i {
            let step = &tour.steps[next];
            out.push_str(&format!("\n  >> {}\n", step.title));
            for p in step.paragraphs() {
                out.push_str(&format!("     {p}\n"));
            }
            if !step.knobs.is_empty() {
                out.push_str(&format!("     [{}]\n", step.knobs.join(", ")));
            }
            if let Some(q) = &step.question {
                out.push_str(&format!(
                    "     ? {} ({}) -> {}\n",
                    q.ask.replace('\n', " "),
                    q.choices.join(" | "),
                    q.answer
                ));
            }
            out.push('\n');
            next += 1;
        }
        out.push_str(&format_entry(e));
        out.push('\n');
    }
    out.push_str(&render_final_state(run));
    Ok(out)
}

/// The label of the first message sent back, after entry `i`, by its receiver to its sender
/// (newline keepalives, sent while a replica waits for its BGSAVE, are not answers).
pub fn reply_to(timeline: &[TimelineEntry], i: usize) -> Option<String> {
    let TimelineKind::Message { to, .. } = &timeline[i].kind else {
        return None;
    };
    let sender = &timeline[i].node;
    timeline[i + 1..].iter().find_map(|e| match &e.kind {
        TimelineKind::Message {
            to: back, label, ..
        } if e.node == *to && back == sender && !label.starts_with("\\n") => Some(label.clone()),
        _ => None,
    })
}

/// Check that the tours of one scenario in several languages agree: the same step ids in the
/// same order with the same matchers, knobs, choices and answers. `tours` pairs file names
/// with parsed tours; the first is the reference. Every language of [`LANGUAGES`] must be
/// there.
pub fn check_translations(tours: &[(&str, &Tour)]) -> Result<(), TourError> {
    let Some((ref_file, reference)) = tours.first() else {
        return Ok(());
    };
    for lang in LANGUAGES {
        if !tours.iter().any(|(_, t)| t.lang == *lang) {
            return Err(TourError::Translation {
                file: ref_file.to_string(),
                msg: format!(
                    "tour {} has no translation in language '{lang}'",
                    reference.scenario
                ),
            });
        }
    }
    for (file, t) in &tours[1..] {
        let err = |msg: String| TourError::Translation {
            file: file.to_string(),
            msg,
        };
        if t.scenario != reference.scenario {
            return Err(err(format!(
                "is a tour of {}, not {}",
                t.scenario, reference.scenario
            )));
        }
        let ids = |t: &Tour| t.steps.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        if ids(t) != ids(reference) {
            return Err(err(format!(
                "steps {:?} differ from {ref_file}'s {:?}",
                ids(t),
                ids(reference)
            )));
        }
        for (a, b) in t.steps.iter().zip(&reference.steps) {
            if a.when != b.when {
                return Err(err(format!(
                    "step '{}' waits for {} but {ref_file} for {}",
                    a.id, a.when, b.when
                )));
            }
            if a.knobs != b.knobs {
                return Err(err(format!(
                    "step '{}' names knobs {:?} but {ref_file} {:?}",
                    a.id, a.knobs, b.knobs
                )));
            }
            let qa = a.question.as_ref().map(|q| (&q.choices, &q.answer));
            let qb = b.question.as_ref().map(|q| (&q.choices, &q.answer));
            if qa != qb {
                return Err(err(format!(
                    "step '{}' asks {:?} but {ref_file} {:?}",
                    a.id, qa, qb
                )));
            }
        }
    }
    Ok(())
}

/// Check a tour against the simulator: its scenario exists, every knob it names is a config
/// parameter Redis 7.0 knows, and every step happens in order when the scenario runs with
/// `seed` (with every answer right). Returns where each step happens in the timeline.
pub fn check(file: &str, tour: &Tour, seed: u64) -> Result<Vec<usize>, TourError> {
    let Some(scenario) = crate::sim::scenario::scenario(&tour.scenario) else {
        return Err(syntax(
            file,
            1,
            format!("no scenario called {}", tour.scenario),
        ));
    };
    for step in &tour.steps {
        if let Some(k) = step
            .knobs
            .iter()
            .find(|k| !crate::config::Config::is_known(k.as_bytes()))
        {
            return Err(syntax(
                file,
                step.line,
                format!(
                    "step '{}' names {k}, which is not a Redis config parameter",
                    step.id
                ),
            ));
        }
    }
    let run = crate::sim::scenario::run(&scenario, seed);
    place(file, tour, &run.timeline())
}

/// Tours grouped by scenario: for each, `(file name, tour)` in every language.
pub type TourGroups = VecMap<String, Vec<(&'static str, Tour)>>;

/// Every shipped tour, parsed, grouped by scenario (English first in each group).
pub fn builtin() -> Result<TourGroups, TourError> {
    let mut out = TourGroups::new();
    for (file, src) in BUILTIN {
        let tour = parse(file, src)?;
        let expected = format!("{}.{}.tour", tour.scenario, tour.lang);
        if *file != expected {
            return Err(syntax(
                file,
                1,
                format!(
                    "a tour of {} in {} must be named {expected}",
                    tour.scenario, tour.lang
                ),
            ));
        }
        out.get_or_default(tour.scenario.clone()).push((file, tour));
    }
    for group in out.values_mut() {
        group.sort_by_key(|(_, t)| (t.lang != "en", t.lang.clone()));
    }
    Ok(out)
}

/// The shipped tour of `scenario` in `lang`.
pub fn builtin_tour(scenario: &str, lang: &str) -> Option<Tour> {
    let file = format!("{scenario}.{lang}.tour");
    BUILTIN
        .iter()
        .find(|(f, _)| *f == file)
        .and_then(|(f, src)| parse(f, src).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(node: &str, to: &str, label: &str) -> TimelineEntry {
        TimelineEntry {
            ms: 0.0,
            node: node.into(),
            kind: TimelineKind::Message {
                to: to.into(),
                label: label.into(),
                offset: None,
            },
            trace: 0,
        }
    }

    const SRC: &str = "# a comment\ntour: demo\nlang: en\ntitle: Demo\n\n\
        step: ask\nwhen: message replica -> master \"PSYNC\"\ntitle: Guess\n\
        text: First line\n  second line\n\n  new paragraph\nknobs: repl-backlog-size, repl-timeout\n\
        ask: What comes back?\nchoices: +CONTINUE | +FULLRESYNC\nanswer: +FULLRESYNC\n\n\
        step: load\nwhen: event replica \"Loading\"\ntitle: Load\ntext: Loads.\n";

    #[test]
    fn parses_fields_and_paragraphs() {
        let t = parse("demo.en.tour", SRC).unwrap();
        assert_eq!((t.scenario.as_str(), t.lang.as_str()), ("demo", "en"));
        assert_eq!(t.steps.len(), 2);
        let s = &t.steps[0];
        assert_eq!(s.line, 6);
        assert_eq!(s.text, "First line\nsecond line\n\nnew paragraph");
        assert_eq!(s.knobs, ["repl-backlog-size", "repl-timeout"]);
        let q = s.question.as_ref().unwrap();
        assert_eq!(q.choices, ["+CONTINUE", "+FULLRESYNC"]);
        assert_eq!(s.when.to_string(), "message replica -> master \"PSYNC\"");
        assert_eq!(t.steps[1].when.kind, MatchKind::Event);
    }

    #[test]
    fn paragraphs_join_soft_breaks_per_script() {
        let t = parse("demo.en.tour", SRC).unwrap();
        assert_eq!(
            t.steps[0].paragraphs(),
            ["First line second line", "new paragraph"]
        );
        let zh = SRC.replace(
            "text: First line\n  second line",
            "text: 第一行，\n  第二行 `PSYNC`\n  接着",
        );
        let t = parse("demo.zh.tour", &zh).unwrap();
        assert_eq!(
            t.steps[0].paragraphs(),
            ["第一行，第二行 `PSYNC` 接着", "new paragraph"]
        );
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let bad = SRC.replace("answer: +FULLRESYNC", "answer: +OK");
        let e = parse("demo.en.tour", &bad).unwrap_err().to_string();
        assert!(e.starts_with("demo.en.tour:6: "), "{e}");
        assert!(e.contains("not one of the choices"), "{e}");
        let bad = SRC.replace("when: event replica \"Loading\"", "when: evnt \"x\"");
        let e = parse("demo.en.tour", &bad).unwrap_err().to_string();
        assert!(e.starts_with("demo.en.tour:19: "), "{e}");
        let e = parse("x.tour", "tour: a\nlang: en\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no title:"), "{e}");
        let e = parse(
            "x.tour",
            "tour: a\nlang: en\ntitle: t\nstep: s\nwhen: fault \"x\"\ntitle: t\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("has no text:"), "{e}");
    }

    #[test]
    fn place_follows_order_and_checks_answers() {
        let t = parse("demo.en.tour", SRC).unwrap();
        let ev = |n: &str, s: &str| TimelineEntry {
            ms: 0.0,
            node: n.into(),
            kind: TimelineKind::Event(s.into()),
            trace: 0,
        };
        let tl = vec![
            ev("replica", "Loading DB"),
            msg("replica", "master", "PSYNC ? -1"),
            msg("master", "replica", "+FULLRESYNC abc 0"),
            ev("replica", "Loading DB in memory"),
        ];
        assert_eq!(place("demo.en.tour", &t, &tl).unwrap(), vec![1, 3]);
        let mut wrong = tl.clone();
        wrong[2] = msg("master", "replica", "+CONTINUE abc");
        let e = place("demo.en.tour", &t, &wrong).unwrap_err();
        assert!(
            matches!(e, TourError::WrongAnswer { ref actual, .. } if actual == "+CONTINUE abc")
        );
        let e = place("demo.en.tour", &t, &tl[..3]).unwrap_err().to_string();
        assert!(
            e.contains("step 'load' waits for event replica \"Loading\""),
            "{e}"
        );
    }

    #[test]
    fn translations_must_agree() {
        let en = parse("demo.en.tour", SRC).unwrap();
        let zh_src = SRC
            .replace("lang: en", "lang: zh")
            .replace("Guess", "猜一猜");
        let zh = parse("demo.zh.tour", &zh_src).unwrap();
        check_translations(&[("demo.en.tour", &en), ("demo.zh.tour", &zh)]).unwrap();
        let e = check_translations(&[("demo.en.tour", &en)]).unwrap_err();
        assert!(
            e.to_string().contains("no translation in language 'zh'"),
            "{e}"
        );
        let zh_bad = parse("demo.zh.tour", &zh_src.replace("\"Loading\"", "\"Load\"")).unwrap();
        let e = check_translations(&[("demo.en.tour", &en), ("demo.zh.tour", &zh_bad)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("step 'load' waits for"), "{e}");
    }
}
