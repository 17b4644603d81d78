//! The memory store's footprint, measured with a counting allocator: one million revoked token
//! ids must fit in 128 MiB. Allocation counts are deterministic, so this is a real assertion
//! (no timing involved).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use authx::{MemoryStore, RevocationStore};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts bytes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[tokio::test]
async fn one_million_revocations_fit_in_128_mib() {
    // Ids generated up front, outside the measurement, as a real service receives them.
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 3600;
    let ids: Vec<String> = (0..1_000_000)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let before = LIVE.load(Ordering::Relaxed);
    let store = MemoryStore::new();
    for id in &ids {
        store.revoke(id, exp).await.unwrap();
    }
    let used = LIVE.load(Ordering::Relaxed) - before;
    let mib = used as f64 / (1024.0 * 1024.0);
    println!(
        "memory store, 1M revoked jtis: {mib:.1} MiB ({} bytes/entry)",
        used / 1_000_000
    );
    assert_eq!(store.len(), 1_000_000);
    assert!(mib <= 128.0, "{mib:.1} MiB for one million revocations");
    assert!(store.is_revoked(&ids[123_456]).await.unwrap());
}
