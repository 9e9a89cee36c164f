#!/usr/bin/env bash
# Regenerate screenshots/html-report.png (the HTML report of the demo image,
# `peel --ci --html`) and screenshots/html-diff.png (`peel diff --html` of a
# byte-built pair, coloured by growth), drawn by a real headless Chromium
# through its DevTools protocol; the Chromium tests of tests/it/html/ take
# the shots.
#
#   screenshots/html.sh
#
# Needs chromium (Debian: chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
PEEL_SCREENSHOTS_DIR=$PWD/screenshots PEEL_REQUIRE_CHROMIUM=1 \
    cargo test --quiet --test it html::the_page_in_chromium -- --exact \
    html::the_page_in_chromium_draws_the_visible_bytes_and_zooms_on_a_click
PEEL_SCREENSHOTS_DIR=$PWD/screenshots PEEL_REQUIRE_CHROMIUM=1 \
    cargo test --quiet --test it html::diff::the_comparison_in_chromium -- --exact \
    html::diff::the_comparison_in_chromium_draws_news_bytes_by_growth_and_zooms_on_a_click
ls -l screenshots/html-report.png screenshots/html-diff.png
