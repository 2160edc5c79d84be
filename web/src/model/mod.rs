//! The view model: plain Rust, no Yew. A [`Session`] runs a scenario on the core's
//! simulator step by step (and back, by replay); [`snapshot`] derives what each panel
//! shows at the current step. Tested natively with `cargo test -p replscope-web`.

pub mod classroom;
pub mod resp;
pub mod session;
pub mod vecmap;
pub mod view;

pub use session::{PsyncReason, Session, Settings, UserAction};
pub use view::{snapshot, Snapshot};
