//! The edit layer's property: on every graph file of the repository, random operations,
//! each applied and then undone, give the file back byte for byte; after each, the file
//! still parses and still reads as a graph; the tree's text is always the file's text.
//! Fixed seeds, bounded counts: the same cases every run.

mod common;

use common::{graph_files, random_op};
use graphrun_edit::syntax::parse;
use graphrun_edit::{undo, Body, NoInspector, Session};

#[test]
fn every_operation_undone_gives_the_file_back_byte_for_byte() {
    let files = graph_files();
    assert!(files.len() > 50, "found only {} graph files", files.len());
    let (mut applied, mut refused, mut graphs) = (0, 0, 0);
    // Every file as it is, and every fourth again with Windows line ends.
    let runs = files.iter().enumerate().flat_map(|(n, path)| {
        let text = std::fs::read_to_string(path).unwrap();
        let crlf = (n % 4 == 0).then(|| text.replace('\n', "\r\n"));
        std::iter::once((n, path, text)).chain(crlf.map(|t| (n + files.len(), path, t)))
    });
    for (n, path, text) in runs {
        assert_eq!(
            parse(&text).root().to_string(),
            text,
            "{}: the tree lost bytes",
            path.display()
        );
        // Only files that read as graphs are edited (the cases include broken ones on purpose).
        let Some(file) = graphrun_format::read(&graphrun_format::SourceFile::new("g.ron", &text)).0 else {
            continue;
        };
        graphs += 1;
        let mut bodies = vec![Body::Graph];
        bodies.extend(file.functions.iter().map(|f| Body::Function(f.name.value.clone())));
        bodies.extend(file.macros.iter().map(|m| Body::Macro(m.name.value.clone())));
        let mut rng = fastrand::Rng::with_seed(n as u64 + 1);
        for body in &bodies {
            let Ok(mut session) = Session::new("g.ron", &text, body.clone(), &NoInspector) else {
                continue;
            };
            for _ in 0..12 {
                let op = random_op(&mut rng, session.text(), body);
                let before = session.text().to_string();
                let steps = session.steps().len();
                match session.apply(&op) {
                    Err(_) => {
                        assert_eq!(
                            session.text(),
                            before,
                            "{}: refused `{op}` changed the text",
                            path.display()
                        );
                        refused += 1;
                    }
                    Ok(()) => {
                        applied += 1;
                        let now = session.text().to_string();
                        assert!(
                            graphrun_format::ron::parse(&now).is_ok(),
                            "{}: after `{op}` the file does not parse:\n{now}",
                            path.display()
                        );
                        let read = graphrun_format::read(&graphrun_format::SourceFile::new("g.ron", &now));
                        assert!(
                            read.0.is_some(),
                            "{}: after `{op}` it is no graph: {:?}",
                            path.display(),
                            read.1
                        );
                        assert_eq!(parse(&now).root().to_string(), now);
                        if text.contains("\r\n") {
                            assert!(
                                !now.replace("\r\n", "").contains('\n'),
                                "{}: `{op}` wrote a bare line feed",
                                path.display()
                            );
                        }
                        // This operation's steps undone give the text before it.
                        let back = undo(&now, &session.steps()[steps..]);
                        assert_eq!(
                            back.as_deref(),
                            Some(before.as_str()),
                            "{}: `{op}` undone",
                            path.display()
                        );
                    }
                }
            }
            // The whole batch undone gives the file back.
            let edited = session.finish();
            let back = undo(&edited.text, &edited.undo);
            assert_eq!(
                back.as_deref(),
                Some(text.as_str()),
                "{}: the batch undone",
                path.display()
            );
        }
    }
    assert!(graphs > 40, "only {graphs} files read as graphs");
    // The operations must mostly apply, or the property says little.
    assert!(applied > refused, "{applied} applied, {refused} refused");
    eprintln!("{graphs} graphs: {applied} operations applied and undone, {refused} refused");
}

/// Authoring.md section 8: an edit never makes a file that `graphrun fmt --check` accepts
/// one that it refuses. Every graph of the repository, formatted, then random batches of
/// operations through `edit` (as the studio and `graphrun edit` apply them): the result is
/// canonical, and undoing the batch gives the formatted file back byte for byte.
#[test]
fn an_edit_of_a_canonical_file_stays_canonical() {
    let (mut batches, mut files) = (0, 0);
    for (n, path) in graph_files().iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        if graphrun_format::read(&graphrun_format::SourceFile::new("g.ron", &text))
            .0
            .is_none()
        {
            continue;
        }
        let Ok(canonical) = graphrun_edit::fmt::format("g.ron", &text) else {
            continue;
        };
        files += 1;
        let mut rng = fastrand::Rng::with_seed(n as u64 + 7);
        for _ in 0..6 {
            let ops: Vec<_> = (0..rng.usize(1..4))
                .map(|_| random_op(&mut rng, &canonical, &Body::Graph))
                .collect();
            let Ok(edited) = graphrun_edit::edit("g.ron", &canonical, Body::Graph, &ops, &NoInspector) else {
                continue;
            };
            batches += 1;
            let again = graphrun_edit::fmt::format("g.ron", &edited.text).unwrap();
            assert_eq!(
                again,
                edited.text,
                "{}: {ops:?} left a canonical file not canonical",
                path.display()
            );
            assert_eq!(
                undo(&edited.text, &edited.undo).as_deref(),
                Some(canonical.as_str()),
                "{}: {ops:?} undone",
                path.display()
            );
        }
    }
    assert!(files > 40 && batches > 100, "{files} files, {batches} batches");
    eprintln!("{files} canonical files: {batches} batches of edits stayed canonical");
}

/// Issue 34, 7: a run of `remove-node`s (the studio's Delete of a selection) is made at
/// once, in a few scans, rather than an operation at a time. On every graph of the
/// repository (and every fourth with Windows line ends), random selections in random order
/// — neighbours, the last entry, nodes wired to each other, in comment boxes — removed as
/// one batch give the text that removing them one edit at a time gives, and undoing the
/// batch gives the file back byte for byte.
#[test]
fn removing_many_nodes_at_once_is_removing_them_one_at_a_time() {
    use graphrun_edit::doc::Doc;
    use graphrun_edit::Op;
    let (mut batches, mut files) = (0, 0);
    for (n, path) in graph_files().iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let text = if n % 4 == 0 { text.replace('\n', "\r\n") } else { text };
        if graphrun_format::read(&graphrun_format::SourceFile::new("g.ron", &text))
            .0
            .is_none()
        {
            continue;
        }
        let ids: Vec<String> = Doc::new(&text).nodes(&Body::Graph).into_iter().map(|n| n.id).collect();
        if ids.len() < 2 {
            continue;
        }
        files += 1;
        let mut rng = fastrand::Rng::with_seed(n as u64 + 11);
        for _ in 0..8 {
            let mut chosen = ids.clone();
            rng.shuffle(&mut chosen);
            chosen.truncate(rng.usize(2..=ids.len()));
            let ops: Vec<Op> = chosen.iter().map(|id| Op::RemoveNode { id: id.clone() }).collect();
            let Ok(batch) = graphrun_edit::edit("g.ron", &text, Body::Graph, &ops, &NoInspector) else {
                continue;
            };
            // One at a time, each checked, then formatted as `edit` formats a batch (where
            // the file was canonical).
            let mut session = Session::new("g.ron", &text, Body::Graph, &NoInspector).unwrap();
            for op in &ops {
                session
                    .apply(op)
                    .unwrap_or_else(|e| panic!("{}: `{op}` alone: {e}", path.display()));
            }
            let mut one_by_one = session.text().to_string();
            if graphrun_edit::fmt::format("g.ron", &text).is_ok_and(|f| f == text) {
                one_by_one = graphrun_edit::fmt::format("g.ron", &one_by_one).unwrap();
            }
            assert_eq!(batch.text, one_by_one, "{}: removing {chosen:?}", path.display());
            assert_eq!(
                undo(&batch.text, &batch.undo).as_deref(),
                Some(text.as_str()),
                "{}: removing {chosen:?} undone",
                path.display()
            );
            batches += 1;
        }
    }
    assert!(files > 40 && batches > 200, "{files} files, {batches} batches");
    eprintln!("{files} files: {batches} batches of removals compared");
}
