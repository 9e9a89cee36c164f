//! Manifests, configs and indexes that do not add up.

use std::path::Path;

use super::{file_name, first_manifest, layer_members, layout_with, remove, small, small_layout};
use crate::fixture::{Compress, Layer, Member, config_member, hex, put, replace, sha256, tar_of};

/// An archive `name` of `members` after `edit`, which returns the member
/// names it touched.
fn edited_archive(
    dir: &Path,
    name: &str,
    mut members: Vec<Member>,
    edit: fn(&mut Vec<Member>) -> Vec<String>,
) -> Vec<String> {
    let named = edit(&mut members);
    put(dir, name, &tar_of(&members));
    named
}

bad_inputs! {
    manifest_names_a_missing_layer: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let layer = layer_members(members)[1].clone();
            remove(members, &layer);
            vec![layer]
        })
    }, ["img.tar"], ["img.tar", "not in the archive"], [];

    manifest_names_a_missing_config: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let config = config_member(members);
            remove(members, &config);
            vec![config]
        })
    }, ["img.tar"], ["img.tar", "not in the archive"], [];

    manifest_json_that_is_not_json: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            replace(members, "manifest.json", b"[{\"Config\": ".to_vec());
            vec![]
        })
    }, ["img.tar"], ["img.tar", "manifest.json"], [];

    config_that_is_not_json: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let config = config_member(members);
            replace(members, &config, b"{ this is not json".to_vec());
            vec![config]
        })
    }, ["img.tar"], ["img.tar", "config"], [];

    layer_count_disagrees_with_the_configs_diff_ids: |dir| {
        edited_archive(dir, "img.tar", small().docker_members(), |members| {
            let config = config_member(members);
            let one = vec![sha256(
                &Layer::new().sized("etc/base.conf", 700, b'b').tar(),
            )];
            replace(members, &config, small().config_json_with(Some(one)));
            vec![]
        })
    }, ["img.tar"], [
        "img.tar",
        "the manifest lists 2 layers but the config's rootfs.diff_ids has 1"
    ], [];

    oci_index_names_a_missing_manifest_blob: |dir| {
        let (layout, digest) = small_layout(dir);
        std::fs::remove_file(layout.join("blobs/sha256").join(hex(&digest)))
            .expect("rm manifest");
        vec![hex(&digest).to_string()]
    }, ["layout"], ["missing"], [];

    oci_archive_index_names_a_missing_manifest_blob: |dir| {
        edited_archive(dir, "oci.tar", small().oci_members(), |members| {
            let index = &members
                .iter()
                .find(|(n, _)| n == "index.json")
                .expect("index")
                .1;
            let digest = first_manifest(index);
            remove(members, &format!("blobs/sha256/{}", hex(&digest)));
            vec![hex(&digest).to_string()]
        })
    }, ["oci.tar"], ["oci.tar", "not in the archive"], [];

    oci_layout_layer_blob_missing: |dir| {
        let blob = layout_with(Compress::Gzip, &dir.join("layout"));
        std::fs::remove_file(&blob).expect("rm");
        vec![file_name(&blob)]
    }, ["layout"], ["missing"], [];

    index_json_that_is_not_json: |dir| {
        let (layout, _) = small_layout(dir);
        std::fs::write(
            layout.join("index.json"),
            b"{\"schemaVersion\": 2, \"manifests\": [",
        )
        .expect("write");
        vec![]
    }, ["layout"], ["layout/index.json", "not an OCI image index"], [];

    index_json_that_is_not_json_in_an_oci_archive: |dir| {
        edited_archive(dir, "oci.tar", small().oci_members(), |members| {
            replace(members, "index.json", b"{\"manifests\": 12".to_vec());
            vec![]
        })
    }, ["oci.tar"], ["oci.tar", "index.json"], [];
}
