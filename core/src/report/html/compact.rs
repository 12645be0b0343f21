//! Passed scenarios' bodies stored compactly: the bodies of consecutive passed scenarios are
//! gathered into a chunk, gzipped (a fixed level and no timestamp, so that the same report
//! gives the same page) and written as base64 in an inert element after them:
//! `<script type="application/octet-stream" id="z12" data-o="…">`. Its `data-o` lists where
//! each body ends in the decompressed bytes; a scenario's `<details>` names its chunk and
//! index (`data-z="12:5"`), and the page's script decompresses the chunk on opening
//! (`DecompressionStream`, once per chunk) and inserts the body. Failures are never chunked:
//! they stay complete without JavaScript.

use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine as _;
use flate2::Compression;
use flate2::write::GzEncoder;

/// A chunk holds at most this many scenarios...
pub const CHUNK_SCENARIOS: usize = 64;

/// ... or about this much HTML (it is closed once it reaches it).
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The gzip level: fixed, so that the output is deterministic.
const LEVEL: u32 = 6;

/// What a passed scenario says in place of its body without JavaScript.
pub(super) const WITHOUT_SCRIPT: &str =
    "<p class=\"t\">Passed; its evidence is drawn by the page's script (JavaScript is off).</p>";

/// At most this many distinct lines in the page's search-text dictionary ([`SearchLines`]):
/// the lines every scenario repeats (step texts, fixed URLs) come first; beyond, lines are
/// written whole. Bounds the writer's memory. The page's script applies the same bound.
pub const SEARCH_LINES_MAX: usize = 4096;

/// The search text (`data-q`) of the page's scenarios, written compactly: a line already
/// written on the page is written as `#n`, its number in order of first writing (a line of
/// its own starting with `#` gets another `#`). The page's script expands them in page order
/// before the first search, so the free text still finds step texts and URLs.
#[derive(Default)]
pub(super) struct SearchLines {
    /// Every scenario's lines are looked up here: FxHash, not SipHash.
    ids: rustc_hash::FxHashMap<String, usize>,
}

impl SearchLines {
    /// `text` (lines) with the lines seen before replaced by their number.
    pub(super) fn encode(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if let Some(id) = self.ids.get(line) {
                let _ = write!(out, "#{id}");
                continue;
            }
            if line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            if self.ids.len() < SEARCH_LINES_MAX {
                self.ids.insert(line.to_owned(), self.ids.len());
            }
        }
        out
    }
}

/// What the page's script does with [`SearchLines::encode`]'s texts, in page order.
#[cfg(test)]
pub(super) fn decode(texts: &[String]) -> Vec<String> {
    let mut dict: Vec<String> = Vec::new();
    texts
        .iter()
        .map(|t| {
            t.split('\n')
                .map(|l| match l.strip_prefix('#') {
                    Some(n) if !n.starts_with('#') => dict[n.parse::<usize>().unwrap()].clone(),
                    _ => {
                        let line = l.strip_prefix('#').unwrap_or(l).to_owned();
                        if dict.len() < SEARCH_LINES_MAX {
                            dict.push(line.clone());
                        }
                        line
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// The chunk being gathered.
#[derive(Default)]
pub(super) struct Chunk {
    /// Its number: `z{n}` on the page.
    n: usize,
    /// The bodies so far, one after another.
    html: String,
    /// Where each body ends in `html`, in bytes.
    ends: Vec<usize>,
}

impl Chunk {
    /// The `data-z` of the next body added: chunk number and index in it.
    pub(super) fn next(&self) -> (usize, usize) {
        (self.n, self.ends.len())
    }

    /// Where the next body is rendered.
    pub(super) fn body(&mut self) -> &mut String {
        &mut self.html
    }

    /// Ends the body rendered into [`Chunk::body`] since the last call.
    pub(super) fn end_body(&mut self) {
        self.ends.push(self.html.len());
    }

    /// The chunk has reached its size.
    pub(super) fn is_full(&self) -> bool {
        self.ends.len() >= CHUNK_SCENARIOS || self.html.len() >= CHUNK_BYTES
    }

    /// Writes the chunk's element into `o` when it holds anything, and starts the next one.
    pub(super) fn flush(&mut self, o: &mut String) {
        if self.ends.is_empty() {
            return;
        }
        let mut gz = GzEncoder::new(
            Vec::with_capacity(self.html.len() / 8),
            Compression::new(LEVEL),
        );
        // Writing to a Vec cannot fail.
        let zipped = gz
            .write_all(self.html.as_bytes())
            .and_then(|()| gz.finish())
            .unwrap_or_default();
        let _ = write!(
            o,
            "<script type=\"application/octet-stream\" id=\"z{}\" data-o=\"",
            self.n
        );
        for (i, end) in self.ends.iter().enumerate() {
            if i > 0 {
                o.push(' ');
            }
            let _ = write!(o, "{end}");
        }
        o.push_str("\">");
        base64::engine::general_purpose::STANDARD.encode_string(&zipped, o);
        o.push_str("</script>\n");
        self.n += 1;
        self.html.clear();
        self.ends.clear();
    }
}

/// The compressed chunks of a page this writer made: each chunk's number, where each of its
/// bodies ends (bytes), and its bodies' HTML decompressed, for tools and tests that read the
/// page as text (a search for secrets, say). A chunk that does not decode is an error.
pub fn chunks(page: &str) -> std::io::Result<Vec<(usize, Vec<usize>, String)>> {
    use base64::Engine as _;
    use std::io::Read as _;
    let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let mut out = Vec::new();
    let open = "<script type=\"application/octet-stream\" id=\"z";
    for part in page.split(open).skip(1) {
        let (n, rest) = part
            .split_once("\" data-o=\"")
            .ok_or_else(|| bad("a chunk without data-o".into()))?;
        let (ends, rest) = rest
            .split_once("\">")
            .ok_or_else(|| bad(format!("chunk z{n}: unterminated data-o")))?;
        let (b64, _) = rest
            .split_once("</script>")
            .ok_or_else(|| bad(format!("chunk z{n}: unterminated")))?;
        let zipped = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| bad(format!("chunk z{n}: {e}")))?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(&zipped[..]).read_to_string(&mut text)?;
        let ends = ends
            .split(' ')
            .map(|e| e.parse().map_err(|_| bad(format!("chunk z{n}: end {e:?}"))))
            .collect::<std::io::Result<_>>()?;
        let n = n.parse().map_err(|_| bad(format!("chunk number {n:?}")))?;
        out.push((n, ends, text));
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The chunk elements of `page`: number, ends, decompressed text.
    pub(crate) fn chunks(page: &str) -> Vec<(usize, Vec<usize>, String)> {
        super::chunks(page).unwrap()
    }

    fn add(c: &mut Chunk, body: &str) -> (usize, usize) {
        let at = c.next();
        c.body().push_str(body);
        c.end_body();
        at
    }

    #[test]
    fn bodies_are_indexed_and_come_back_whole() {
        let mut c = Chunk::default();
        assert_eq!(add(&mut c, "<ol>ä</ol>"), (0, 0));
        assert_eq!(add(&mut c, "<ol>b</ol>"), (0, 1));
        let mut o = String::new();
        c.flush(&mut o);
        assert_eq!(add(&mut c, "<ol>c</ol>"), (1, 0));
        c.flush(&mut o);
        let got = chunks(&o);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 0);
        // Ends in bytes: "ä" is two.
        assert_eq!(got[0].1, vec![11, 21]);
        assert_eq!(&got[0].2[..11], "<ol>ä</ol>");
        assert_eq!(&got[0].2[11..], "<ol>b</ol>");
        assert_eq!((got[1].0, got[1].2.as_str()), (1, "<ol>c</ol>"));
    }

    #[test]
    fn search_lines_repeat_by_number_and_come_back_whole() {
        let texts = [
            "login 1\nthe client \"web\"\nhttps://idp/a?state=1",
            "login 2\nthe client \"web\"\nhttps://idp/a?state=2",
            "#tag\n#0\nthe client \"web\"\n\nlogin 1",
        ];
        let mut lines = SearchLines::default();
        let encoded: Vec<String> = texts.iter().map(|t| lines.encode(t)).collect();
        assert_eq!(encoded[0], texts[0]);
        assert_eq!(encoded[1], "login 2\n#1\nhttps://idp/a?state=2");
        assert_eq!(encoded[2], "##tag\n##0\n#1\n\n#0");
        let decoded = decode(&encoded);
        assert_eq!(decoded, texts.map(String::from).to_vec());
    }

    #[test]
    fn search_lines_are_bounded() {
        let mut lines = SearchLines::default();
        let texts: Vec<String> = (0..SEARCH_LINES_MAX + 10)
            .map(|i| format!("line {i}\nshared"))
            .chain(["line 0\nline 4100".to_owned()])
            .collect();
        let encoded: Vec<String> = texts.iter().map(|t| lines.encode(t)).collect();
        assert_eq!(lines.ids.len(), SEARCH_LINES_MAX);
        // Past the bound a new line is written whole, every time.
        assert_eq!(encoded.last().unwrap(), "#0\nline 4100");
        assert_eq!(decode(&encoded), texts);
    }

    #[test]
    fn an_empty_chunk_writes_nothing() {
        let mut c = Chunk::default();
        let mut o = String::new();
        c.flush(&mut o);
        assert_eq!(o, "");
        assert_eq!(c.next(), (0, 0));
    }

    #[test]
    fn a_chunk_is_full_by_count_or_size() {
        let mut c = Chunk::default();
        for _ in 0..CHUNK_SCENARIOS - 1 {
            add(&mut c, "x");
        }
        assert!(!c.is_full());
        add(&mut c, "x");
        assert!(c.is_full());
        let mut big = Chunk::default();
        add(&mut big, &"y".repeat(CHUNK_BYTES));
        assert!(big.is_full());
    }

    #[test]
    fn the_same_bodies_give_the_same_bytes() {
        let write = || {
            let mut c = Chunk::default();
            for i in 0..100 {
                add(&mut c, &format!("<ol><li>step {i}</li></ol>"));
            }
            let mut o = String::new();
            c.flush(&mut o);
            o
        };
        let a = write();
        assert_eq!(a, write());
        // No timestamp in the gzip header (bytes 4..8 of the member).
        let zipped = base64::engine::general_purpose::STANDARD
            .decode(a.split("\">").nth(1).unwrap().split('<').next().unwrap())
            .unwrap();
        assert_eq!(&zipped[4..8], &[0, 0, 0, 0]);
    }
}
