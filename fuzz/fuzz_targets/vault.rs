//! The vault opener: any bytes as a sealed token. Nothing may panic, nothing forged may open,
//! and a real sealed token opens to what was sealed (sealing refuses what would be too long).
#![no_main]

use std::sync::OnceLock;

use authx::vault::{Vault, VaultConfig};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    vault: Vault,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture {
        vault: Vault::new(VaultConfig::builder().key(Vault::generate_key()).build()).unwrap(),
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let opened = f.runtime.block_on(f.vault.open::<serde_json::Value>(token));
    assert!(opened.is_err(), "a fuzzed vault token opened: {opened:?}");
    // A real one, sealed from the same bytes, opens to them (when it fits `max_token_size`).
    if let Ok(sealed) = f.vault.seal(token) {
        let back: String = f.runtime.block_on(f.vault.open(&sealed)).unwrap();
        assert_eq!(back, token);
    }
});
