//! peel's integration tests: one binary, one module per concern.

mod fixture;
mod random_image;

mod advice;
mod architecture;
mod bad_input;
mod cli;
mod diff;
mod dive_oracle;
mod docker;
mod docker_add;
mod docker_findings;
mod engine_viewer;
mod findings;
mod formats;
mod fuzz_regressions;
mod golden;
mod hostile_archives;
mod hostile_layers;
mod hostile_output;
mod html;
mod layer_rules;
mod packaging;
mod properties;
mod realistic_images;
mod registry;
mod tmux;
mod ui;
mod verify;
