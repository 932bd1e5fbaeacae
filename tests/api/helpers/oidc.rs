//! Typed helpers for this area's tests.
