//! ReplScope's browser app: the view model (plain Rust, tested natively) and the text of
//! the page. The Yew components live in the binary (`main.rs` and `ui/`).

pub mod heap;
pub mod model;
pub mod strings;

/// The browser build allocates with [`heap`] (smaller than the default dlmalloc).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static HEAP: heap::wasm::PageHeap = heap::wasm::PageHeap::new();
