//! ReplScope's browser app: the view model (plain Rust, tested natively) and the text of
//! the page. The Yew components live in the binary (`main.rs` and `ui/`).

pub mod model;
pub mod strings;
