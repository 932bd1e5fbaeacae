fn main() -> std::process::ExitCode {
    return_large_blocks_to_the_system();
    tapid::cli::main()
}

/// A pass check allocates a 19 MiB Argon2 block on whichever blocking thread runs it. glibc's default raises
/// its mmap threshold after the first such block is freed, so later blocks come from per-thread arenas that
/// keep them: memory grows with the number of threads that ever checked a pass (to 1.3 GB in a benchmark
/// of concurrent pass sign-ins). A fixed threshold makes every large block its own mapping, returned when
/// freed, so memory follows the passes checked at once (bounded by `AppState::passcode_checks`).
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
