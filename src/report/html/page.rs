//! The page around the data: one HTML file with its style and script
//! inline (assets/html/), the data in a JSON block. Nothing is fetched: the
//! content security policy forbids every request, so the file works opened
//! from disk or as a CI artifact, and nothing in it can load anything.

const STYLE: &str = include_str!("../../../assets/html/page.css");
const SCRIPT: &str = include_str!("../../../assets/html/page.js");

/// The id of the data block the script reads.
pub const DATA_ID: &str = "peel-data";

/// The page, with `data` (JSON from [`super::escape::script_json`]) inside.
pub fn render(data: &str) -> String {
    let mut page = String::with_capacity(data.len() + STYLE.len() + SCRIPT.len() + 1024);
    page.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ",
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>peel report</title>\n<style>\n",
    ));
    page.push_str(STYLE);
    page.push_str("</style>\n</head>\n<body>\n<noscript>This report draws itself with JavaScript; the same figures are in <code>peel --json</code>.</noscript>\n");
    page.push_str(&format!(
        "<script type=\"application/json\" id=\"{DATA_ID}\">"
    ));
    page.push_str(data);
    page.push_str("</script>\n<script>\n");
    page.push_str(SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assets_cannot_end_their_own_blocks_early() {
        let lower = |s: &str| s.to_ascii_lowercase();
        assert!(!lower(SCRIPT).contains("</script"));
        assert!(!lower(SCRIPT).contains("<!--"));
        assert!(!lower(STYLE).contains("</style"));
    }

    #[test]
    fn the_data_goes_in_one_json_block_before_the_script() {
        let page = render("{\"x\":1}");
        let block =
            format!("<script type=\"application/json\" id=\"{DATA_ID}\">{{\"x\":1}}</script>");
        assert!(page.contains(&block));
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(page.find(&block) < page.find(SCRIPT));
    }
}
