//! Footprints, measured with a counting allocator: one million revoked token ids in the memory
//! store must fit in 128 MiB, and a token in the verified-token cache must cost under 1 KiB,
//! and be reported at what it costs. Allocation counts are deterministic, so these are real assertions (no
//! timing involved). The tests take turns: the counter is process-wide.

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

/// One measurement at a time.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn one_million_revocations_fit_in_128_mib() {
    let _turn = TURN.lock().await;
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

#[tokio::test]
async fn a_remembered_token_costs_under_1_kib_and_is_reported_so() {
    use authx::config::VerifyCacheMode;
    let _turn = TURN.lock().await;
    let auth = authx::Auth::new(
        authx::AuthConfig::builder()
            .secret_key("memory-test-secret-0123456789abcdef")
            .verify_cache(VerifyCacheMode::All)
            .verify_cache_capacity(1 << 20)
            .build(),
    )
    .unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    let mut length = 0;
    for i in 0..1_000_000u32 {
        // Tokens are made and dropped one by one: only the cache keeps anything.
        let token = auth.tokens().create_access(i.to_string()).unwrap();
        length = token.len();
        // Kept from its second verification.
        auth.verify(&token).unwrap();
        auth.verify(&token).unwrap();
    }
    let used = LIVE.load(Ordering::Relaxed) - before;
    let mib = used as f64 / (1024.0 * 1024.0);
    let size = auth.keys().verify_cache_size();
    println!(
        "verified-token cache, 1M tokens of {length} bytes: {mib:.1} MiB counted, {:.1} MiB \
         reported ({} bytes/entry)",
        size.bytes as f64 / (1024.0 * 1024.0),
        used / 1_000_000
    );
    assert_eq!(size.entries, 1_000_000);
    assert!(
        used / 1_000_000 < 1024,
        "{mib:.1} MiB for one million remembered tokens"
    );
    let ratio = size.bytes as f64 / used as f64;
    assert!(
        (0.75..=1.25).contains(&ratio),
        "reported {} bytes for {used} counted",
        size.bytes
    );
}
