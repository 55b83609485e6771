//! Repair on arbitrary bytes: refuses untouched, or yields a valid cast that
//! keeps the original's complete lines up to the first damage, and is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tvmux::cast::Action;
use tvmux::cast::{repair_path, scan, Mode, Options, RepairOptions};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.cast");
    std::fs::write(&path, data).unwrap();
    let opts = RepairOptions { max_findings: 5, ..Default::default() };
    match repair_path(&path, &opts) {
        Err(_) => assert_eq!(std::fs::read(&path).unwrap(), data, "refused but changed"),
        Ok(_) => {
            let repaired = std::fs::read(&path).unwrap();
            let s = scan(&repaired, &Options { mode: Mode::Full, ..Default::default() });
            assert!(s.is_valid(), "{:?}", s.findings.list);
            // Everything up to the first line the full check objected to is kept.
            let before = scan(data, &Options { mode: Mode::Full, ..Default::default() });
            if let Some(body) = before.body {
                if !body.layout.bom {
                    let first_bad = body.first_edit.unwrap_or(body.layout.body_end).min(body.layout.body_end);
                    if body.header_fix {
                        // The header itself was mended (a lone CR taken out):
                        // the body up to the first bad line follows it as it was.
                        let start = body.layout.body_start.min(first_bad);
                        let header_end = repaired.iter().position(|&b| b == b'\n').map_or(repaired.len(), |i| i + 1);
                        assert!(repaired[header_end..].starts_with(&data[start..first_bad]));
                    } else {
                        assert!(repaired.starts_with(&data[..first_bad]));
                    }
                }
            }
            let again = repair_path(&path, &opts).unwrap();
            assert_eq!(again.action, Action::None);
        }
    }
});
