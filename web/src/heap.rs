//! The browser build's memory allocator: power-of-two size classes with a free list each,
//! carved from memory the wasm module grows by pages.
//!
//! Why: Rust's default allocator on `wasm32-unknown-unknown` (dlmalloc) is about 7 KB of
//! the shipped wasm; this one is a few hundred bytes (issue #6: download size). It suits
//! the browser app, which is single-threaded and short-lived: allocation and freeing are
//! O(1), a block is at most twice the size asked for, and freed blocks are reused for
//! requests of the same class only (never split or merged; wasm memory never shrinks
//! anyway). Native builds (the server, every test of the core) keep the system allocator;
//! the logic here is tested natively over a plain buffer ([`Heap`] with a test `Grow`).
//!
//! Layout: a block of class `k` is `2^k` bytes (`k >= 3`) and starts at a multiple of
//! `min(2^k, 64 KiB)`, so it serves any request of its class whatever the alignment asked
//! (up to 64 KiB). The carving pointer is brought to that alignment by carving the gap
//! into smaller blocks, each aligned to its own size, which go to their free lists.

use std::alloc::Layout;

/// The smallest class: 8 bytes (a free block holds the next pointer).
const MIN_CLASS: u32 = 3;
/// Blocks larger than this are aligned to it only (a wasm page).
const MAX_ALIGN_CLASS: u32 = 16;
/// Classes up to 2^31 bytes (all of a 32-bit address space is 2^32).
const CLASSES: usize = 32;

/// Where the heap gets more memory: `grow(bytes)` adds at least `bytes` and returns the
/// start and end of the new region (`None` when memory is exhausted).
pub trait Grow {
    /// Add at least `bytes` of memory; the new region's `(start, end)` addresses.
    fn grow(&mut self, bytes: usize) -> Option<(usize, usize)>;
}

/// The allocator's state: the free list heads and the carving region.
pub struct Heap<G> {
    free: [usize; CLASSES],
    next: usize,
    end: usize,
    grow: G,
}

/// The class of a request: the smallest `k` with `2^k >= max(size, align, 8)`.
fn class_of(layout: Layout) -> Option<u32> {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    let k = size.checked_next_power_of_two()?.trailing_zeros();
    ((k as usize) < CLASSES && layout.align() <= 1 << MAX_ALIGN_CLASS).then_some(k)
}

impl<G: Grow> Heap<G> {
    /// An empty heap taking memory from `grow`.
    pub const fn new(grow: G) -> Self {
        Heap {
            free: [0; CLASSES],
            next: 0,
            end: 0,
            grow,
        }
    }

    /// A block for `layout`, or null when memory is exhausted.
    ///
    /// # Safety
    /// The addresses `grow` returns must be valid, unused, writable memory.
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let Some(k) = class_of(layout) else {
            return std::ptr::null_mut();
        };
        let head = self.free[k as usize];
        if head != 0 {
            // SAFETY: a free block's first word holds the next free block of its class.
            self.free[k as usize] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << k;
        let align = 1usize << k.min(MAX_ALIGN_CLASS);
        if self
            .next
            .next_multiple_of(align)
            .checked_add(size)
            .is_none_or(|e| e > self.end)
        {
            let Some((start, end)) = self.grow.grow(size + align) else {
                return std::ptr::null_mut();
            };
            if start != self.end {
                // Not contiguous with the old region: its rest is carved into free blocks.
                unsafe { self.carve_gap(self.end) };
                self.next = start;
            }
            self.end = end;
        }
        let at = self.next.next_multiple_of(align);
        unsafe { self.carve_gap(at) };
        self.next = at + size;
        at as *mut u8
    }

    /// Carves `self.next..to` into blocks aligned to their sizes, onto the free lists.
    unsafe fn carve_gap(&mut self, to: usize) {
        while self.next < to {
            let fit = (to - self.next).ilog2();
            let k = self.next.trailing_zeros().min(fit).min(CLASSES as u32 - 1);
            if k >= MIN_CLASS {
                unsafe { self.push(self.next, k) };
            }
            self.next += 1 << k;
        }
    }

    /// Puts the block at `at` on the free list of class `k`.
    unsafe fn push(&mut self, at: usize, k: u32) {
        // SAFETY: the block is ours and at least 8 bytes long, aligned to 8.
        unsafe { *(at as *mut usize) = self.free[k as usize] };
        self.free[k as usize] = at;
    }

    /// Frees a block [`Heap::alloc`] gave for `layout`.
    ///
    /// # Safety
    /// `ptr` came from `alloc` (or `realloc`) of this heap with the same `layout`.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        if let Some(k) = class_of(layout) {
            unsafe { self.push(ptr as usize, k) };
        }
    }

    /// Resizes a block: the same block when the new size is in the same class, else a new
    /// one with the contents copied.
    ///
    /// # Safety
    /// As [`Heap::dealloc`]; `new_size` is not zero.
    pub unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        if class_of(layout) == class_of(new_layout) {
            return ptr;
        }
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// The global allocator of the browser build.
#[cfg(target_arch = "wasm32")]
pub mod wasm {
    use super::{Grow, Heap};
    use std::alloc::{GlobalAlloc, Layout};
    use std::cell::UnsafeCell;

    /// Memory from `memory.grow` on the module's memory 0.
    pub struct Pages;

    impl Grow for Pages {
        fn grow(&mut self, bytes: usize) -> Option<(usize, usize)> {
            let pages = bytes.div_ceil(65536);
            let old = core::arch::wasm32::memory_grow(0, pages);
            (old != usize::MAX).then(|| (old * 65536, (old + pages) * 65536))
        }
    }

    /// [`Heap`] as the global allocator (the browser app has one thread).
    pub struct PageHeap(UnsafeCell<Heap<Pages>>);

    // SAFETY: wasm32-unknown-unknown without the atomics feature has a single thread.
    unsafe impl Sync for PageHeap {}

    impl PageHeap {
        /// An empty heap.
        pub const fn new() -> Self {
            PageHeap(UnsafeCell::new(Heap::new(Pages)))
        }
    }

    impl Default for PageHeap {
        fn default() -> Self {
            Self::new()
        }
    }

    unsafe impl GlobalAlloc for PageHeap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { (*self.0.get()).alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { (*self.0.get()).dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            unsafe { (*self.0.get()).realloc(ptr, layout, new_size) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Grow, Heap};
    use std::alloc::Layout;

    /// Memory from a leaked buffer, handed out in 64 KiB steps like `memory.grow`.
    struct Arena {
        base: usize,
        used: usize,
        cap: usize,
    }

    impl Arena {
        fn new(cap: usize) -> Self {
            let buf = vec![0u8; cap + 65536].leak();
            let base = (buf.as_mut_ptr() as usize).next_multiple_of(65536);
            Arena { base, used: 0, cap }
        }
    }

    impl Grow for Arena {
        fn grow(&mut self, bytes: usize) -> Option<(usize, usize)> {
            let n = bytes.div_ceil(65536) * 65536;
            if self.used + n > self.cap {
                return None;
            }
            let start = self.base + self.used;
            self.used += n;
            Some((start, start + n))
        }
    }

    /// Random allocations, reallocations and frees: every block is aligned, inside the
    /// arena, never overlaps a live block, and keeps its contents.
    #[test]
    fn blocks_are_aligned_disjoint_and_keep_their_contents() {
        let mut heap = Heap::new(Arena::new(64 << 20));
        let (lo, hi) = (heap.grow.base, heap.grow.base + heap.grow.cap);
        let mut live: Vec<(usize, Layout, u8)> = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let op = x % 10;
            if op < 4 || live.is_empty() {
                let size = match (x >> 8) % 4 {
                    0 => (x >> 16) as usize % 16 + 1,
                    1 => (x >> 16) as usize % 300 + 1,
                    2 => (x >> 16) as usize % 5000 + 1,
                    _ => (x >> 16) as usize % 200_000 + 1,
                };
                let align = 1usize << ((x >> 40) % 8);
                let layout = Layout::from_size_align(size, align).unwrap();
                let p = unsafe { heap.alloc(layout) } as usize;
                assert_ne!(p, 0, "round {round}: out of memory");
                assert_eq!(p % align, 0, "round {round}: misaligned");
                assert!(
                    p >= lo && p + size <= hi,
                    "round {round}: outside the arena"
                );
                let fill = round as u8;
                unsafe { std::ptr::write_bytes(p as *mut u8, fill, size) };
                live.push((p, layout, fill));
            } else {
                let i = (x >> 20) as usize % live.len();
                let (p, layout, fill) = live.swap_remove(i);
                let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, layout.size()) };
                assert!(
                    bytes.iter().all(|&b| b == fill),
                    "round {round}: block overwritten"
                );
                if op < 8 {
                    unsafe { heap.dealloc(p as *mut u8, layout) };
                } else {
                    let new_size = (x >> 24) as usize % 20_000 + 1;
                    let q = unsafe { heap.realloc(p as *mut u8, layout, new_size) } as usize;
                    assert_ne!(q, 0);
                    assert_eq!(q % layout.align(), 0);
                    let kept = layout.size().min(new_size);
                    let bytes = unsafe { std::slice::from_raw_parts(q as *const u8, kept) };
                    assert!(
                        bytes.iter().all(|&b| b == fill),
                        "round {round}: realloc lost data"
                    );
                    let new_layout = Layout::from_size_align(new_size, layout.align()).unwrap();
                    unsafe { std::ptr::write_bytes(q as *mut u8, fill, new_size) };
                    live.push((q, new_layout, fill));
                }
            }
            // No two live blocks overlap (checked every 500 rounds: it is quadratic).
            if round % 500 == 0 {
                let mut spans: Vec<(usize, usize)> =
                    live.iter().map(|(p, l, _)| (*p, *p + l.size())).collect();
                spans.sort();
                assert!(
                    spans.windows(2).all(|w| w[0].1 <= w[1].0),
                    "round {round}: overlap"
                );
            }
        }
    }

    /// A freed block is reused for the next request of its class; memory runs out cleanly.
    #[test]
    fn reuses_freed_blocks_and_reports_exhaustion() {
        let mut heap = Heap::new(Arena::new(1 << 20));
        let l = Layout::from_size_align(100, 8).unwrap();
        let a = unsafe { heap.alloc(l) };
        unsafe { heap.dealloc(a, l) };
        let b = unsafe { heap.alloc(Layout::from_size_align(120, 4).unwrap()) };
        assert_eq!(a, b, "same class (128 bytes): the freed block comes back");
        let big = Layout::from_size_align(2 << 20, 8).unwrap();
        assert!(
            unsafe { heap.alloc(big) }.is_null(),
            "more than the arena: null, no panic"
        );
        let huge = Layout::from_size_align(1 << 20, 1 << 17).unwrap();
        assert!(
            unsafe { heap.alloc(huge) }.is_null(),
            "alignment above 64 KiB: refused"
        );
    }
}
