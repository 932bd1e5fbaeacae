//! Hostile input: generated requests over the whole HTTP surface, and the size limits.

mod attacks;
mod generated;
mod limits;
mod nul;
mod slow_clients;
