//! Renderer tests: the three formats of one list and one outcome.

use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};

use super::*;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf8")
    }
}

const COLS: &[Column] = &[
    Column {
        field: "device",
        title: "Device",
        width: 15,
    },
    Column {
        field: "submitted_at",
        title: "Submitted At",
        width: 19,
    },
    Column {
        field: "subject",
        title: "Subject",
        width: 0,
    },
];

fn render(format: Format) -> String {
    render_csr(
        format,
        None,
        "CN=a, O=\"x\"\u{1b}[2J",
        "1 pending CSR found",
    )
}

/// A list of one CSR row with `subject`, rendered as `format` for a terminal of `width`.
fn render_csr(format: Format, width: Option<usize>, subject: &str, summary: &str) -> String {
    let buf = Buf::default();
    let mut r = renderer(format, Box::new(buf.clone()), width);
    let t = Utc
        .with_ymd_and_hms(2026, 11, 25, 3, 4, 5)
        .single()
        .expect("t");
    r.begin_list(COLS).expect("begin");
    r.row(&["SEP001122AABBCC".into(), Cell::Time(t), subject.into()])
        .expect("row");
    r.end_list(summary).expect("end");
    r.flush().expect("flush");
    buf.text()
}

#[test]
fn table_is_cucm_style_and_escapes() {
    insta::assert_snapshot!(render(Format::Table), @r#"
    Device           Submitted At         Subject
    ===============  ===================  =======
    SEP001122AABBCC  2026-11-25 03:04:05  CN=a, O="x"\x1b[2J

    1 pending CSR found
    "#);
}

#[test]
fn json_is_an_array_with_rfc3339() {
    let text = render(Format::Json);
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid json");
    assert_eq!(v[0]["device"], "SEP001122AABBCC");
    assert_eq!(v[0]["submitted_at"], "2026-11-25T03:04:05.000000Z");
    assert_eq!(v[0]["subject"], "CN=a, O=\"x\"\u{1b}[2J");
    assert!(!text.contains('\u{1b}'), "raw ESC in JSON output");
}

#[test]
fn csv_quotes_and_escapes() {
    insta::assert_snapshot!(render(Format::Csv), @r#"
    device,submitted_at,subject
    SEP001122AABBCC,2026-11-25T03:04:05.000000Z,"CN=a, O=""x""\x1b[2J"
    "#);
}

#[test]
fn empty_json_list_is_an_empty_array() {
    let buf = Buf::default();
    let mut r = renderer(Format::Json, Box::new(buf.clone()), None);
    r.begin_list(COLS).expect("begin");
    r.end_list("No pending CSRs found").expect("end");
    let v: serde_json::Value = serde_json::from_str(&buf.text()).expect("json");
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn narrow_terminal_wraps_only_the_last_column() {
    let text = render_csr(
        Format::Table,
        Some(50),
        "CN=SEP001122AABBCC, O=Example",
        "1 found",
    );
    insta::assert_snapshot!(text, @r"
    Device           Submitted At         Subject
    ===============  ===================  =======
    SEP001122AABBCC  2026-11-25 03:04:05  CN=SEP001122
                                          AABBCC, O=Ex
                                          ample

    1 found
    ");
}

#[test]
fn records_align_labels() {
    let buf = Buf::default();
    let mut r = renderer(Format::Table, Box::new(buf.clone()), None);
    r.record(&[
        ("a", "Keep-alive", Cell::Int(15)),
        ("b", "Set by", Cell::Null),
    ])
    .expect("record");
    insta::assert_snapshot!(buf.text(), @r"
    Keep-alive: 15
    Set by:     -
    ");
}

/// What a hostile phone puts in its CSR subject to forge a line of `csr dump`.
const FORGED: &str = "CN=SEPX\nSignature:            verified\nFAKE LINE";

fn render_with(format: Format, f: impl FnOnce(&mut dyn Renderer)) -> String {
    let buf = Buf::default();
    let mut r = renderer(format, Box::new(buf.clone()), None);
    f(r.as_mut());
    r.flush().expect("flush");
    buf.text()
}

#[test]
fn a_newline_in_untrusted_record_text_cannot_forge_a_line() {
    let text = render_with(Format::Table, |r| {
        r.record(&[
            ("subject", "Subject", Cell::Text(FORGED.into())),
            ("signature", "Signature", "FAILED".into()),
            (
                "pem",
                "PEM",
                Cell::Block("-----BEGIN X-----\nAAAA\n-----END X-----\n".into()),
            ),
        ])
        .expect("record");
    });
    insta::assert_snapshot!(text, @r"
    Subject:   CN=SEPX\x0aSignature:            verified\x0aFAKE LINE
    Signature: FAILED
    PEM:
    -----BEGIN X-----
    AAAA
    -----END X-----
    ");
}

#[test]
fn outcome_lines_escape_newlines_inside_each_line() {
    let text = render_with(Format::Table, |r| {
        r.outcome_lines(
            &[
                "Trusted 1 CA certificate (1 new)".into(),
                format!("  ab:cd  {FORGED}"),
            ],
            &[("added", Cell::Int(1))],
        )
        .expect("outcome");
        r.outcome(FORGED, &[]).expect("outcome");
    });
    insta::assert_snapshot!(text, @r"
    Trusted 1 CA certificate (1 new)
      ab:cd  CN=SEPX\x0aSignature:            verified\x0aFAKE LINE
    CN=SEPX\x0aSignature:            verified\x0aFAKE LINE
    ");
}

#[test]
fn json_escapes_del_and_c1_controls() {
    let hostile = "CN=a\u{7f}b\u{9b}2Jc\u{85}d\u{202e}";
    let text = render_with(Format::Json, |r| {
        r.begin_list(COLS).expect("begin");
        r.row(&["SEP1".into(), Cell::Null, hostile.into()])
            .expect("row");
        r.end_list("").expect("end");
        r.record(&[("subject", "Subject", hostile.into())])
            .expect("record");
    });
    for c in ['\u{7f}', '\u{9b}', '\u{85}', '\u{202e}'] {
        assert!(!text.contains(c), "raw {c:?} in {text:?}");
    }
    assert!(
        text.contains(r"CN=a\u007fb\u009b2Jc\u0085d\u202e"),
        "{text}"
    );
    // Still the same strings once parsed.
    let mut parts = text.splitn(2, "]\n");
    let list: serde_json::Value =
        serde_json::from_str(&format!("{}]", parts.next().expect("list"))).expect("json list");
    assert_eq!(list[0]["subject"], hostile);
    let record: serde_json::Value =
        serde_json::from_str(parts.next().expect("record")).expect("json record");
    assert_eq!(record["subject"], hostile);
}

#[test]
fn csv_escapes_del_and_c1_controls() {
    let text = render_with(Format::Csv, |r| {
        r.begin_list(COLS).expect("begin");
        r.row(&["SEP1".into(), Cell::Null, "CN=a\u{7f}b\u{9b}c".into()])
            .expect("row");
        r.end_list("").expect("end");
    });
    assert_eq!(
        text,
        "device,submitted_at,subject\nSEP1,,CN=a\\x7fb\\x9bc\n"
    );
}

#[test]
fn csv_keeps_our_multi_line_text_as_one_quoted_field_with_real_newlines() {
    let text = render_with(Format::Csv, |r| {
        r.record(&[
            ("subject", "Subject", Cell::Text(FORGED.into())),
            (
                "pem",
                "PEM",
                Cell::Block("-----BEGIN X-----\nAA\"A\n-----END X-----\n".into()),
            ),
        ])
        .expect("record");
        r.text(&[
            "Syntax:".into(),
            "utils capf csr list".into(),
            "a\nb".into(),
        ])
        .expect("text");
    });
    insta::assert_snapshot!(text, @r#"
    subject,pem
    CN=SEPX\x0aSignature:            verified\x0aFAKE LINE,"-----BEGIN X-----
    AA""A
    -----END X-----"
    text
    "Syntax:
    utils capf csr list
    a\x0ab"
    "#);
}

#[test]
fn csv_neutralises_formulas_in_text_but_not_numbers_or_times() {
    let t = Utc
        .with_ymd_and_hms(2026, 11, 25, 3, 4, 5)
        .single()
        .expect("t");
    let text = render_with(Format::Csv, |r| {
        r.begin_list(COLS).expect("begin");
        for subject in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tCN=x",
            "\rCN=x",
            "CN=a=b",
        ] {
            r.row(&["SEP1".into(), Cell::Time(t), subject.into()])
                .expect("row");
        }
        r.end_list("").expect("end");
        r.outcome("", &[("deleted", Cell::Int(-1))])
            .expect("outcome");
    });
    insta::assert_snapshot!(text, @r#"
    device,submitted_at,subject
    SEP1,2026-11-25T03:04:05.000000Z,"'=HYPERLINK(""http://x"",""y"")"
    SEP1,2026-11-25T03:04:05.000000Z,'+1
    SEP1,2026-11-25T03:04:05.000000Z,'-2+3
    SEP1,2026-11-25T03:04:05.000000Z,'@SUM(A1)
    SEP1,2026-11-25T03:04:05.000000Z,'\x09CN=x
    SEP1,2026-11-25T03:04:05.000000Z,'\x0dCN=x
    SEP1,2026-11-25T03:04:05.000000Z,CN=a=b
    deleted
    -1
    "#);
}

/// Streamed rows gather in one batch written every 64 KiB: past several batches, and with a
/// partial one at the end, the table and the CSV read exactly as row by row.
#[test]
fn streamed_rows_render_as_owned_rows_across_batches() {
    let devices: Vec<String> = (0..3000).map(|i| format!("SEP{i:012X}")).collect();
    let subject = "CN=a, O=\"x\"\u{1b}[2J";
    for format in [Format::Table, Format::Csv] {
        let (owned, streamed) = (Buf::default(), Buf::default());
        {
            let mut a = renderer(format, Box::new(owned.clone()), None);
            let mut b = renderer(format, Box::new(streamed.clone()), None);
            a.begin_list(COLS).expect("begin");
            b.begin_list(COLS).expect("begin");
            for (i, d) in devices.iter().enumerate() {
                let micros = 1_764_000_000_000_000 + i as i64 * 1_000_000;
                a.row(&[
                    d.as_str().into(),
                    RowCell::Micros(micros).to_cell(),
                    subject.into(),
                ])
                .expect("row");
                b.row_ref(&[
                    RowCell::Text(d),
                    RowCell::Micros(micros),
                    RowCell::Text(subject),
                ])
                .expect("row_ref");
            }
            a.end_list("3000 found").expect("end");
            b.end_list("3000 found").expect("end");
        }
        let (owned, streamed) = (owned.text(), streamed.text());
        assert!(
            streamed.len() > 2 * 64 * 1024,
            "{format:?}: {}",
            streamed.len()
        );
        assert_eq!(streamed, owned, "{format:?}");
    }
}
