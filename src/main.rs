fn main() -> std::process::ExitCode {
    tapid::cli::main()
}
