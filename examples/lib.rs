//! Runnable examples of authx: see `quickstart.rs`.
