//! `graphrun fmt [FILE|FOLDER...] [--check] [--stdout]`: graph, library and test files
//! written in their canonical form (the work is `graphrun_edit::fmt`'s). A folder means the
//! `.ron` files in it and below (symbolic links are not followed); no file means standard
//! input to standard output, for editors that format through a pipe.

use std::io::Read as _;
use std::path::PathBuf;

use graphrun_edit::file;

/// What `graphrun fmt` was given.
pub struct FmtArgs {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Writes nothing; exit 1 naming each file that would change.
    pub check: bool,
    /// Prints the formatted files instead of writing them.
    pub stdout: bool,
}

/// Runs `graphrun fmt`; the exit status: 0 done (or, with --check, nothing would change),
/// 1 with --check a file would change, 2 a file does not parse or cannot be read or written.
pub fn fmt(args: FmtArgs) -> u8 {
    if args.paths.is_empty() {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: standard input: {e}");
            return 2;
        }
        return match graphrun_edit::fmt::format("<stdin>", &text) {
            Ok(formatted) if args.check => u8::from(formatted != text),
            Ok(formatted) => {
                print!("{formatted}");
                0
            }
            Err(message) => {
                eprintln!("error: {message}");
                2
            }
        };
    }
    let mut files = Vec::new();
    let mut status = 0;
    for path in &args.paths {
        if path.is_dir() {
            for (folder, e) in graphrun_format::files::ron_files(path, &mut files, usize::MAX) {
                eprintln!("error: {}: {e}", folder.display());
                status = 2;
            }
        } else {
            files.push(path.clone());
        }
    }
    for path in files {
        let shown = path.display().to_string();
        let text = match file::read(&path) {
            Ok(Some(text)) => text,
            Ok(None) => {
                eprintln!("error: {shown}: no such file");
                status = 2;
                continue;
            }
            Err(e) => {
                eprintln!("error: {shown}: {e}");
                status = 2;
                continue;
            }
        };
        let formatted = match graphrun_edit::fmt::format(&shown, &text) {
            Ok(formatted) => formatted,
            Err(message) => {
                eprintln!("error: {message}");
                status = 2;
                continue;
            }
        };
        if args.stdout {
            print!("{formatted}");
        } else if formatted == text {
        } else if args.check {
            println!("would reformat {shown}");
            status = status.max(1);
        } else if let Err(e) = file::write(&path, Some(&text), &formatted) {
            eprintln!("error: {shown}: {e}");
            status = 2;
        }
    }
    status
}
