//! A global allocator that counts the bytes live and the most live at once, for the tests that
//! measure what a request or a check allocates. Including this module makes it the allocator of
//! the whole test binary, so such a test is a binary of its own with a single test in it:
//! anything else running would be counted too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts measuring: the peak from here on is counted above what is live now.
pub fn measure_from_here() -> usize {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    base
}

/// The most bytes live at once since `measure_from_here` answered `base`, above `base`.
pub fn peak_since(base: usize) -> usize {
    PEAK.load(Ordering::SeqCst) - base
}

/// Bytes allocated at the worst moment of `f`, above what was live before it.
#[allow(dead_code)]
pub fn peak_during(f: impl FnOnce()) -> usize {
    let base = measure_from_here();
    f();
    peak_since(base)
}
