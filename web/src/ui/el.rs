//! Shared element shapes (issue #6, download size): `html!` expands every element,
//! attribute and callback inline where it is written, so a shape used in many places is
//! written once here and called with plain data; a click sends a [`Msg`] value through one
//! callback type instead of a closure per call site.

use yew::html::Scope;
use yew::prelude::*;
use yew::virtual_dom::AttrValue;

use crate::{App, Msg};

/// A click callback that sends `msg` (a clone of it per click).
#[inline(never)]
pub fn send(link: &Scope<App>, msg: Msg) -> Callback<MouseEvent> {
    let link = link.clone();
    Callback::from(move |_: MouseEvent| link.send_message(msg.clone()))
}

/// `"true"` / `"false"` (for `aria-pressed`).
pub fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// A button: `data-testid` and `class` when given, `aria-pressed` when given, `disabled`
/// when true; a click sends `msg`.
#[inline(never)]
pub fn button(
    link: &Scope<App>,
    testid: Option<AttrValue>,
    class: Option<&'static str>,
    pressed: Option<bool>,
    disabled: bool,
    msg: Msg,
    label: AttrValue,
) -> Html {
    let onclick = send(link, msg);
    html! {
        <button class={class} data-testid={testid} aria-pressed={pressed.map(bool_str)}
            {disabled} {onclick}>{ label }</button>
    }
}

/// A plain button with a test id that sends `msg`.
pub fn btn(link: &Scope<App>, testid: &'static str, msg: Msg, label: &'static str) -> Html {
    button(
        link,
        Some(testid.into()),
        None,
        None,
        false,
        msg,
        label.into(),
    )
}

/// Markup built as text (for parts without listeners or state, which `html!` would expand
/// into code element by element); the DOM is the same. Text in it goes through [`esc`].
pub fn raw(html: String) -> Html {
    Html::from_html_unchecked(html.into())
}

/// `text` escaped for markup (element text or a quoted attribute value).
#[inline(never)]
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // The markup parser would turn a carriage return into a line feed.
            '\r' => out.push_str("&#13;"),
            // It cannot be written in markup at all (the parser drops or replaces it).
            '\0' => out.push('\u{fffd}'),
            _ => out.push(ch),
        }
    }
    out
}

/// A `change` callback of a `<select>`: `f` turns the chosen value into a message (or
/// none). One closure type for every menu.
#[inline(never)]
pub fn on_select(link: &Scope<App>, f: fn(String) -> Option<Msg>) -> Callback<Event> {
    let link = link.clone();
    Callback::from(move |e: Event| {
        if let Some(m) = e
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .and_then(|s| f(s.value()))
        {
            link.send_message(m);
        }
    })
}

/// An `input` callback of a range input: `f` turns its value into a message (or none).
#[inline(never)]
pub fn on_range(link: &Scope<App>, f: fn(String) -> Option<Msg>) -> Callback<InputEvent> {
    let link = link.clone();
    Callback::from(move |e: InputEvent| {
        if let Some(m) = e
            .target_dyn_into::<web_sys::HtmlInputElement>()
            .and_then(|i| f(i.value()))
        {
            link.send_message(m);
        }
    })
}
