//! Untrusted strings from the image in every output.

use crate::fixture::{Image, Layer};

#[test]
fn probe_dump() {
    let img = Image::new()
        .layer(Layer::new().sized("base.bin", 2500, b'b'))
        .layer(Layer::new().whiteout("base.bin"));
    std::fs::write("/tmp/peel-outputs-probe1.tar", img.docker_archive()).unwrap();
    let img = Image::new()
        .layer(Layer::new().sized("base.bin", 2500, b'b'))
        .layer(Layer::new().file("base.bin", b""));
    std::fs::write("/tmp/peel-outputs-probe2.tar", img.docker_archive()).unwrap();
}
