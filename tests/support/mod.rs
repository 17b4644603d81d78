//! Shared support for the HTTP integration tests.
