//! Extract: the permission bits it keeps, and the destination it creates.

use std::os::unix::fs::PermissionsExt;

use super::{app_with, ctrl, key, typ};
use crate::fixture::{Image, Layer};
use crossterm::event::KeyCode;
use peel::ui::app::Modal;

fn special_bits() -> Image {
    Image::new().layer(
        Layer::new()
            .dir("bin")
            .file_with("bin/su", b"#!/bin/sh\n", 0o4755, 0, 0, 1)
            .file_with("bin/wall", b"#!/bin/sh\n", 0o2755, 0, 0, 1)
            .file_with("bin/plain", b"x\n", 0o640, 0, 0, 1),
    )
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Run as root (CI's containers, this machine) the special bits stay; as
/// anyone else only `rwx` (the README's promise both ways).
#[test]
fn extract_keeps_setuid_and_setgid_as_root() {
    let dir = tempfile::tempdir().unwrap();
    let (a, o) = super::load_image(&special_bits(), dir.path());
    let bin = a.tree.lookup(b"bin").unwrap();
    let dest = dir.path().join("out");
    std::fs::create_dir(&dest).unwrap();
    peel::content::extract(&o, &a.image.layers, &a.tree, bin, 0.into(), &dest, false).unwrap();
    let root = std::fs::metadata(&dest).map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    let (su, wall) = if root.unwrap() {
        (0o4755, 0o2755)
    } else {
        (0o755, 0o755)
    };
    assert_eq!(mode(&dest.join("bin/su")), su);
    assert_eq!(mode(&dest.join("bin/wall")), wall);
    assert_eq!(mode(&dest.join("bin/plain")) & 0o577, 0o440);
    assert_eq!(mode(&dest.join("bin")), 0o755);
}

/// A destination that does not exist: the UI asks, creates it on yes, and
/// offers it again next time.
#[test]
fn extract_creates_a_missing_destination_after_asking_and_remembers_it() {
    let dir = tempfile::tempdir().unwrap();
    let (a, o) = super::load_image(&special_bits(), dir.path());
    let mut app = app_with(a, o);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('x'));
    ctrl(&mut app, 'u');
    let dest = dir.path().join("new/deeper");
    typ(&mut app, &dest.display().to_string());
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.modal, Modal::ConfirmCreate { .. }),
        "{:?}",
        app.modal
    );
    // No: nothing created.
    key(&mut app, KeyCode::Char('n'));
    assert!(!dest.exists());
    key(&mut app, KeyCode::Char('x'));
    match &app.modal {
        Modal::Extract { input, .. } => assert_eq!(input, &dest.display().to_string()),
        other => panic!("{other:?}"),
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    let (msg, bad) = app.message.clone().unwrap();
    assert!(!bad && msg.contains("extracted"), "{msg}");
    assert!(dest.join("bin/su").is_file());
}
