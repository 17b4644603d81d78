//! [`CacheSize`]: how full one of authx's bounded caches is.

/// How full a cache is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheSize {
    /// Entries held.
    pub entries: usize,
    /// Bytes its tables have allocated.
    pub bytes: usize,
    /// The most entries it holds.
    pub capacity: usize,
}
