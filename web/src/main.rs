//! ReplScope's browser app (Yew, client-side rendered; built with trunk).
//!
//! For now a landing page: title, what ReplScope is, and the core's version.

use yew::prelude::*;

/// One-line description shown under the title.
const TAGLINE: &str = "Watch Redis master\u{2013}replica replication happen, \
                       byte by byte, on a Redis-compatible server.";

/// The version badge text, e.g. `replscope-core v0.1.0`.
fn core_version_label() -> String {
    format!("replscope-core v{}", replscope_core::VERSION)
}

#[function_component(App)]
fn app() -> Html {
    html! {
        <main class="page">
            <section class="card">
                <h1 class="title">{ "Repl" }<span class="accent">{ "Scope" }</span></h1>
                <p class="tagline">{ TAGLINE }</p>
                <p class="meta">
                    <span class="badge">{ core_version_label() }</span>
                </p>
            </section>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_label_names_the_core_version() {
        let label = core_version_label();
        assert!(label.starts_with("replscope-core v"));
        assert!(label.ends_with(replscope_core::VERSION));
        assert!(!replscope_core::VERSION.is_empty());
    }
}
