//! Rate specs (`10/60s`) and rate keys (`ip`, `subject`, `api_key`).
//!
//! # Grammar
//!
//! `<count>/<window>`, where `count` is a decimal `u32` greater than 0 and
//! `window` is `[<n>]<unit>`: an optional decimal `u64` greater than 0
//! (default 1) followed by one of the units `ms`, `s`, `sec`, `m`, `min`,
//! `h`, `hour`, `d`, `day`. No whitespace is allowed anywhere.
//!
//! ```
//! use std::time::Duration;
//! use authx_spec::RateSpec;
//!
//! let r: RateSpec = "100/h".parse().unwrap();
//! assert_eq!(r.count, 100);
//! assert_eq!(r.window, Duration::from_secs(3600));
//! assert_eq!(r.to_string(), "100/3600s");
//! assert_eq!("50/500ms".parse::<RateSpec>().unwrap().window_millis(), 500);
//! ```

mod grammar;
mod key;
mod spec;

pub use key::RateKey;
pub use spec::RateSpec;
